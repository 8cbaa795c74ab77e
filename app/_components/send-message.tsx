'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { fieldError, messageKeySchema, propertyKeyProblem, tagSchema } from '../../server/broker/rules.ts';
import { errorInfo, useTRPC } from './trpc.tsx';
import { buttonClass, cardClass, inputClass } from './ui.tsx';

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
  return bytes > maxBytes ? `The body is ${bytes.toLocaleString()} bytes; this instance accepts at most ${maxBytes.toLocaleString()}` : '';
}

/** A form operators use to try a flow; the fields follow the topic's message type, the body limit the instance's. */
export function SendMessage({ instanceId, topic, messageType, maxBodyBytes }: { instanceId: string; topic: string; messageType: string; maxBodyBytes: number }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [body, setBody] = useState('');
  const [tag, setTag] = useState('');
  const [keys, setKeys] = useState('');
  const [propsText, setPropsText] = useState('');
  const [group, setGroup] = useState('');
  const [when, setWhen] = useState('');
  const send = useMutation(trpc.topic.send.mutationOptions({ onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.topic.pathKey() }) }));
  const { props, error: propsError } = parseProperties(propsText);
  const deliverAt = when ? new Date(when).getTime() : undefined;
  const keyList = keys.split(',').map((k) => k.trim()).filter(Boolean);
  const errors = {
    body: bodyError(body, maxBodyBytes),
    tag: tag ? fieldError(tagSchema, tag) : '',
    keys: keyList.map((k) => fieldError(messageKeySchema, k)).find(Boolean) ?? '',
    group: messageType === 'FIFO' && !group.trim() ? 'FIFO topics need a message group' : '',
    when: messageType === 'DELAY' && (!deliverAt || deliverAt <= Date.now()) ? 'Pick a delivery time in the future' : '',
    props: propsError ?? '',
  };
  const invalid = Object.values(errors).some(Boolean);
  function submit(e: FormEvent): void {
    e.preventDefault();
    if (invalid) return;
    send.mutate({
      instanceId,
      name: topic,
      body,
      keys: keyList,
      properties: props,
      ...(tag ? { tag } : {}),
      ...(messageType === 'FIFO' ? { messageGroup: group.trim() } : {}),
      ...(messageType === 'DELAY' && deliverAt ? { deliverAt } : {}),
    });
  }
  if (messageType === 'TRANSACTION') {
    return <p className={`text-sm text-slate-500 ${cardClass}`}>Transactional messages need a producer that can commit or roll them back: send them with an SDK.</p>;
  }
  return (
    <form onSubmit={submit} className={`grid grid-cols-1 gap-3 text-sm md:grid-cols-3 ${cardClass}`}>
      <h2 className="font-semibold md:col-span-3">Send a message</h2>
      <label className="md:col-span-3">
        <span className="text-xs">Body (text or JSON)</span>
        <textarea aria-label="Body" rows={3} value={body} onChange={(e) => setBody(e.target.value)} className={`mt-1 w-full font-mono ${inputClass}`} />
        {body === '' && send.isIdle ? null : errors.body && <span className="text-xs text-red-600">{errors.body}</span>}
      </label>
      <label>
        <span className="text-xs">Tag</span>
        <input aria-label="Tag" value={tag} onChange={(e) => setTag(e.target.value)} className={`mt-1 w-full ${inputClass}`} />
        {errors.tag && <span className="text-xs text-red-600">{errors.tag}</span>}
      </label>
      <label>
        <span className="text-xs">Keys (comma separated)</span>
        <input aria-label="Keys" value={keys} onChange={(e) => setKeys(e.target.value)} className={`mt-1 w-full ${inputClass}`} />
        {errors.keys && <span className="text-xs text-red-600">{errors.keys}</span>}
      </label>
      {messageType === 'FIFO' && (
        <label>
          <span className="text-xs">Message group</span>
          <input aria-label="Message group" value={group} onChange={(e) => setGroup(e.target.value)} className={`mt-1 w-full ${inputClass}`} />
          {errors.group && <span className="text-xs text-red-600">{errors.group}</span>}
        </label>
      )}
      {messageType === 'DELAY' && (
        <label>
          <span className="text-xs">Deliver at</span>
          <input aria-label="Deliver at" type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} className={`mt-1 w-full ${inputClass}`} />
          {errors.when && <span className="text-xs text-red-600">{errors.when}</span>}
        </label>
      )}
      <label className="md:col-span-2">
        <span className="text-xs">Properties (key=value per line)</span>
        <textarea aria-label="Properties" rows={2} value={propsText} onChange={(e) => setPropsText(e.target.value)} className={`mt-1 w-full font-mono ${inputClass}`} />
        {errors.props && <span className="text-xs text-red-600">{errors.props}</span>}
      </label>
      <div className="flex items-end">
        <button type="submit" disabled={invalid || send.isPending} className={`w-full ${buttonClass}`}>
          Send
        </button>
      </div>
      {send.data && (
        <p data-testid="send-result" className="text-emerald-700 md:col-span-3 dark:text-emerald-400">
          Stored {send.data.scheduled ? '(scheduled) ' : ''}as <code>{send.data.messageId}</code>
          {send.data.scheduled ? '' : ` in queue ${send.data.queueId} at offset ${send.data.queueOffset}`}.
        </p>
      )}
      {send.error && <p role="alert" className="text-red-600 md:col-span-3">{errorInfo(send.error).message}</p>}
    </form>
  );
}
