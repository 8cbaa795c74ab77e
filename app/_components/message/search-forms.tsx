'use client';

import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { fieldError, MAX_MESSAGE_ID_BYTES } from '../../../server/broker/rules.ts';
import { bodySearchSchema, END_BEFORE_START, jsonPathSchema, propertyNameSchema, rangeInOrder, searchKeySchema, tagExpressionSchema } from '../../../server/schemas.ts';
import { DateTimeInput } from '../datetime-input.tsx';
import { Field, useForm, type FieldErrors, type Form } from '../form.tsx';
import { NamespaceSelect } from '../namespace-filter.tsx';
import { useTRPC } from '../trpc.tsx';
import { buttonClass, inputClass, secondaryButtonClass } from '../ui.tsx';
import { bareTopic, type MessageSearch } from './search-params.ts';

/** Topics one picker lists (the instance's topics of one namespace, by name). */
const MAX_PICKER_TOPICS = 200;

const QUICK_RANGES: [string, number][] = [
  ['15 min', 15 * 60_000],
  ['1 h', 3_600_000],
  ['6 h', 6 * 3_600_000],
  ['24 h', 24 * 3_600_000],
  ['3 days', 72 * 3_600_000],
];

const messageIdSchema = z.string().trim().min(1, 'Enter a message id').max(MAX_MESSAGE_ID_BYTES, `At most ${MAX_MESSAGE_ID_BYTES} characters`);

/** Each filter checked as typed, only when it is used (empty means "not filtered"). */
function optional(schema: z.ZodType, value: string): string {
  return value.trim() ? fieldError(schema, value) : '';
}

type SearchValues = MessageSearch & Record<string, unknown>;

function validateTime(v: SearchValues): FieldErrors<SearchValues> {
  return {
    topic: v.topic ? '' : 'Choose a topic',
    beginMs: v.beginMs === undefined ? 'Pick the start' : '',
    endMs: v.endMs === undefined ? 'Pick the end' : rangeInOrder(v) ? '' : END_BEFORE_START,
    tag: optional(tagExpressionSchema, v.tag),
    key: optional(searchKeySchema, v.key),
    propName: v.propName.trim() ? fieldError(propertyNameSchema, v.propName) : v.propValue ? 'Enter the property name' : '',
    body: v.body ? fieldError(bodySearchSchema, v.body) : '',
    jsonPath: v.jsonPath.trim() ? fieldError(jsonPathSchema, v.jsonPath) : v.jsonEquals ? 'Enter the path of the value' : '',
  };
}

function validateKey(v: SearchValues): FieldErrors<SearchValues> {
  return { topic: v.topic ? '' : 'Choose a topic', key: fieldError(searchKeySchema, v.key) };
}

/** The namespace, then a topic of it (stored name as the value, the bare name shown). */
function TopicPicker({ instanceId, form }: { instanceId: string; form: Form<SearchValues> }) {
  const trpc = useTRPC();
  const { namespace, topic } = form.values;
  const topics = useQuery(trpc.topic.list.queryOptions({ instanceId, namespace, pageSize: MAX_PICKER_TOPICS, sort: 'name' }));
  return (
    <>
      <Field label="Namespace" className="w-44">
        <NamespaceSelect
          instanceId={instanceId}
          value={namespace}
          onChange={(v) => {
            form.set('namespace', v ?? '');
            form.set('topic', '');
          }}
          className="w-full"
        />
      </Field>
      <Field label="Topic" error={form.error('topic')} className="w-56">
        <select aria-label="Topic" value={topic} onChange={(e) => form.set('topic', e.target.value)} className={`w-full ${inputClass}`}>
          <option value="">{topics.isPending ? 'Loading…' : topics.data?.rows.length ? 'Choose a topic' : 'No topic in this namespace'}</option>
          {topic && !topics.data?.rows.some((t) => t.name === topic) && <option value={topic}>{bareTopic(topic, namespace)}</option>}
          {topics.data?.rows.map((t) => (
            <option key={t.name} value={t.name}>
              {bareTopic(t.name, namespace)}
            </option>
          ))}
        </select>
      </Field>
    </>
  );
}

function TextInput({ form, name, label, placeholder, className = 'w-44', mono }: { form: Form<SearchValues>; name: 'tag' | 'key' | 'propName' | 'propValue' | 'body' | 'jsonPath' | 'jsonEquals'; label: string; placeholder?: string; className?: string; mono?: boolean }) {
  return (
    <Field label={label} error={form.error(name)} className={className}>
      <input aria-label={label} placeholder={placeholder} value={form.values[name]} onChange={(e) => form.set(name, e.target.value)} className={`w-full ${mono ? 'font-mono' : ''} ${inputClass}`} />
    </Field>
  );
}

const sectionLabel = 'text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400';

/** Topic + store-time range, newest or oldest first, and the filters the server applies while paging. */
export function TimeSearchForm({ instanceId, initial, onSearch }: { instanceId: string; initial: MessageSearch; onSearch(s: MessageSearch): void }) {
  const form = useForm<SearchValues>({ ...initial, mode: 'time' }, validateTime);
  const { values } = form;
  function quick(ms: number): void {
    const now = Date.now();
    form.set('beginMs', now - ms);
    form.set('endMs', now);
  }
  return (
    <form noValidate role="search" aria-label="Search by topic and time" onSubmit={form.onSubmit((v) => onSearch(v))} className="space-y-4">
      <div className="flex flex-wrap items-start gap-3">
        <TopicPicker instanceId={instanceId} form={form} />
        <Field label="Order" className="w-36">
          <select aria-label="Order" value={values.order} onChange={(e) => form.set('order', e.target.value === 'oldest' ? 'oldest' : 'newest')} className={`w-full ${inputClass}`}>
            <option value="newest">Newest first</option>
            <option value="oldest">Oldest first</option>
          </select>
        </Field>
      </div>
      <div className="flex flex-wrap items-start gap-3">
        <Field label="Stored from" error={form.error('beginMs')} className="w-64">
          <DateTimeInput label="From" value={values.beginMs} onChange={(ms) => form.set('beginMs', ms)} />
        </Field>
        <Field label="to" error={form.error('endMs')} className="w-64">
          <DateTimeInput label="To" value={values.endMs} onChange={(ms) => form.set('endMs', ms)} />
        </Field>
        <div className="mt-7 flex flex-wrap items-center gap-1.5 text-xs text-slate-500 dark:text-slate-400">
          <span>Last</span>
          {QUICK_RANGES.map(([label, ms]) => (
            <button key={label} type="button" onClick={() => quick(ms)} className={`${secondaryButtonClass} px-2! py-0.5! text-xs!`}>
              {label}
            </button>
          ))}
        </div>
      </div>
      <fieldset className="space-y-2">
        <legend className={sectionLabel}>Filters (optional, all must match)</legend>
        <div className="flex flex-wrap items-start gap-3">
          <TextInput form={form} name="tag" label="Tag" placeholder="TagA || TagB" />
          <TextInput form={form} name="key" label="Key" placeholder="order-42" />
          <TextInput form={form} name="propName" label="Property" placeholder="name" className="w-36" />
          <Field label="Match" className="w-28">
            <select aria-label="Property match" value={values.propOp} onChange={(e) => form.set('propOp', e.target.value === 'contains' ? 'contains' : 'eq')} className={`w-full ${inputClass}`}>
              <option value="eq">equals</option>
              <option value="contains">contains</option>
            </select>
          </Field>
          <TextInput form={form} name="propValue" label="Property value" placeholder="value" className="w-40" />
        </div>
        <div className="flex flex-wrap items-start gap-3">
          <TextInput form={form} name="body" label="Body contains" placeholder="text in the body" className="w-64" />
          <TextInput form={form} name="jsonPath" label="JSON path" placeholder="order.items[0].sku" className="w-56" mono />
          <TextInput form={form} name="jsonEquals" label="equals" placeholder="value" className="w-40" />
        </div>
      </fieldset>
      <div className="flex justify-end">
        <button type="submit" disabled={form.invalid} className={buttonClass}>
          Search
        </button>
      </div>
    </form>
  );
}

/** Every message of a topic with one key, from the index (no scan). */
export function KeySearchForm({ instanceId, initial, onSearch }: { instanceId: string; initial: MessageSearch; onSearch(s: MessageSearch): void }) {
  const form = useForm<SearchValues>({ ...initial, mode: 'key' }, validateKey);
  return (
    <form noValidate role="search" aria-label="Search by key" onSubmit={form.onSubmit((v) => onSearch(v))} className="flex flex-wrap items-start gap-3">
      <TopicPicker instanceId={instanceId} form={form} />
      <TextInput form={form} name="key" label="Message key" placeholder="order-42" className="w-64" />
      <button type="submit" disabled={form.invalid} className={`mt-6 ${buttonClass}`}>
        Search
      </button>
    </form>
  );
}

/** One message by its id, through the index: straight to its page. */
export function IdSearchForm({ onLookup }: { onLookup(messageId: string): void }) {
  const form = useForm({ messageId: '' }, (v) => ({ messageId: fieldError(messageIdSchema, v.messageId) }));
  return (
    <form noValidate role="search" aria-label="Look up by id" onSubmit={form.onSubmit((v) => onLookup(v.messageId.trim()))} className="flex flex-wrap items-start gap-3">
      <Field label="Message id" error={form.error('messageId')} className="w-full max-w-xl">
        <input aria-label="Message id" placeholder="message id" value={form.values.messageId} onChange={(e) => form.set('messageId', e.target.value)} className={`w-full font-mono ${inputClass}`} />
      </Field>
      <button type="submit" disabled={form.invalid} className={`mt-6 ${buttonClass}`}>
        Look up
      </button>
    </form>
  );
}
