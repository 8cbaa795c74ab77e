'use client';

import { useMutation } from '@tanstack/react-query';
import { fieldError, messageKeySchema, propertyKeyProblem, tagSchema } from '../../server/broker/rules.ts';
import { useAfterSave } from './after-save.ts';
import { formatBytes } from './bytes.tsx';
import { DateTimeInput } from './datetime-input.tsx';
import { Field, FormFooter, TextField, useForm } from './form.tsx';
import { formatDuration } from './time.tsx';
import { useTRPC } from './trpc.tsx';
import { inputClass } from './ui.tsx';

/** `k=v` lines → properties; the first bad line is reported. */
function parseProperties(text: string): { props: Record<string, string>; error?: string } {
  const props: Record<string, string> = {};
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { props, error: `Line ${i + 1}: write key=value` };
    const key = line.slice(0, eq).trim();
    const problem = propertyKeyProblem(key);
    if (problem) return { props, error: `Line ${i + 1}: ${problem}` };
    props[key] = line.slice(eq + 1).trim();
  }
  return { props };
}

function bodyError(body: string, maxBytes: number): string {
  if (!body) return 'Enter a body';
  const bytes = new TextEncoder().encode(body).length;
  return bytes > maxBytes ? `The body is ${bytes.toLocaleString()} bytes; this instance accepts at most ${maxBytes.toLocaleString()} (${formatBytes(maxBytes)})` : '';
}

function deliverAtError(deliverAt: number | undefined, maxDelayMs: number): string {
  if (!deliverAt || deliverAt <= Date.now()) return 'Pick a delivery time in the future';
  return deliverAt - Date.now() > maxDelayMs ? `This instance schedules at most ${formatDuration(maxDelayMs)} ahead` : '';
}

export interface InstanceLimits {
  maxMessageSize: number;
  maxDelayMs: number;
}

/** A form operators use to try a flow; the fields follow the topic's message type, the limits the instance's. */
export function SendMessage({ instanceId, topic, messageType, limits }: { instanceId: string; topic: string; messageType: string; limits: InstanceLimits }) {
  const trpc = useTRPC();
  const send = useMutation(trpc.topic.send.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.topic.pathKey()] }) }));
  const form = useForm(
    { body: '', tag: '', keys: '', properties: '', messageGroup: '', deliverAt: undefined as number | undefined },
    (v) => ({
      body: bodyError(v.body, limits.maxMessageSize),
      tag: v.tag ? fieldError(tagSchema, v.tag) : '',
      keys: keyList(v.keys).map((k) => fieldError(messageKeySchema, k)).find(Boolean) ?? '',
      messageGroup: messageType === 'FIFO' && !v.messageGroup.trim() ? 'FIFO topics need a message group' : '',
      deliverAt: messageType === 'DELAY' ? deliverAtError(v.deliverAt, limits.maxDelayMs) : '',
      properties: parseProperties(v.properties).error ?? '',
    }),
    send,
  );
  const { values } = form;
  if (messageType === 'TRANSACTION') {
    return <p className="text-sm text-slate-600 dark:text-slate-300">Transactional messages need a producer that can commit or roll them back: send them with an SDK.</p>;
  }
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((v) =>
        send.mutate({
          instanceId,
          name: topic,
          body: v.body,
          keys: keyList(v.keys),
          properties: parseProperties(v.properties).props,
          ...(v.tag ? { tag: v.tag } : {}),
          ...(messageType === 'FIFO' ? { messageGroup: v.messageGroup.trim() } : {}),
          ...(messageType === 'DELAY' && v.deliverAt ? { deliverAt: v.deliverAt } : {}),
        }),
      )}
      className="space-y-4"
    >
      <Field label="Body (text or JSON)" error={form.error('body')} hint={`At most ${formatBytes(limits.maxMessageSize)} on this instance`}>
        <textarea aria-label="Body" rows={5} value={values.body} onChange={(e) => form.set('body', e.target.value)} className={`w-full font-mono ${inputClass}`} />
      </Field>
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <TextField form={form} name="tag" label="Tag" />
        <TextField form={form} name="keys" label="Keys" hint="Comma separated" />
      </div>
      {messageType === 'FIFO' && (
        <TextField form={form} name="messageGroup" label="Message group" hint="Messages of one group are consumed in order" />
      )}
      {messageType === 'DELAY' && (
        <Field label="Deliver at" error={form.error('deliverAt')}>
          <DateTimeInput label="Deliver at" value={values.deliverAt} onChange={(ms) => form.set('deliverAt', ms)} />
        </Field>
      )}
      <Field label="Properties" error={form.error('properties')} hint="key=value, one per line">
        <textarea aria-label="Properties" rows={2} value={values.properties} onChange={(e) => form.set('properties', e.target.value)} className={`w-full font-mono ${inputClass}`} />
      </Field>
      <FormFooter error={form.bannerError} disabled={form.invalid || send.isPending} label={send.isPending ? 'Sending…' : 'Send'} />
      {send.data && (
        <p data-testid="send-result" role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:bg-emerald-950/60 dark:text-emerald-300">
          Stored {send.data.scheduled ? '(scheduled) ' : ''}as <code className="font-mono">{send.data.messageId}</code>
          {send.data.scheduled ? '' : ` in queue ${send.data.queueId} at offset ${send.data.queueOffset}`}.
        </p>
      )}
    </form>
  );
}

function keyList(keys: string): string[] {
  return keys
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
}
