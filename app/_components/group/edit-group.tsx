'use client';

import { useMutation } from '@tanstack/react-query';
import { fieldError, MAX_DELIVERY_ATTEMPTS_LIMIT, maxDeliveryAttemptsSchema } from '../../../server/broker/rules.ts';
import { useAfterSave } from '../after-save.ts';
import { CheckboxField, FormFooter, NumberField, useForm } from '../form.tsx';
import { useTRPC } from '../trpc.tsx';

export const DLQ_HINT = "After the last failed attempt a message moves to the group's dead-letter topic";

/** A group's editable settings: delivery attempts before the dead-letter topic, and FIFO. */
export function EditGroup({ instanceId, name, maxDeliveryAttempts, fifo, onDone }: { instanceId: string; name: string; maxDeliveryAttempts: number; fifo: boolean; onDone(): void }) {
  const trpc = useTRPC();
  const update = useMutation(trpc.group.update.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.group.pathKey()], message: () => `Saved group ${name}.`, then: onDone }) }));
  const form = useForm({ maxDeliveryAttempts, fifo }, (v) => ({ maxDeliveryAttempts: fieldError(maxDeliveryAttemptsSchema, v.maxDeliveryAttempts) }), update);
  return (
    <form noValidate onSubmit={form.onSubmit((v) => update.mutate({ instanceId, name, ...v }))} className="space-y-4">
      <NumberField form={form} name="maxDeliveryAttempts" label="Max delivery attempts" min={1} max={MAX_DELIVERY_ATTEMPTS_LIMIT} hint={DLQ_HINT} />
      <CheckboxField label="FIFO" hint="Deliver one message at a time per message group, in order" checked={form.values.fifo} onChange={(v) => form.set('fifo', v)} />
      <FormFooter error={form.bannerError} disabled={form.invalid || update.isPending} label="Save" />
    </form>
  );
}
