'use client';

import { useMutation } from '@tanstack/react-query';
import { fieldError, MAX_QUEUES, queueCountSchema } from '../../../server/broker/rules.ts';
import { descriptionSchema } from '../../../server/schemas.ts';
import { useAfterSave } from '../after-save.ts';
import { FormFooter, NumberField, TextField, useForm } from '../form.tsx';
import { useTRPC } from '../trpc.tsx';

/** A topic's editable settings: its queue count and description. */
export function EditTopic({ instanceId, name, queues, description, onDone }: { instanceId: string; name: string; queues: number; description: string; onDone(): void }) {
  const trpc = useTRPC();
  const update = useMutation(trpc.topic.update.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.topic.pathKey()], message: () => `Saved topic ${name}.`, then: onDone }) }));
  const form = useForm({ queueNums: queues, description }, (v) => ({ queueNums: fieldError(queueCountSchema, v.queueNums), description: fieldError(descriptionSchema, v.description) }), update);
  return (
    <form noValidate onSubmit={form.onSubmit((v) => update.mutate({ instanceId, name, queueNums: v.queueNums, description: v.description }))} className="space-y-4">
      <NumberField form={form} name="queueNums" label="Queues" min={1} max={MAX_QUEUES} hint="Read and write queues; more queues let more consumers share the load" />
      <TextField form={form} name="description" label="Description" />
      <FormFooter error={form.bannerError} disabled={form.invalid || update.isPending} label="Save" />
    </form>
  );
}
