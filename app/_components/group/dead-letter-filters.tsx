'use client';

import { fieldError } from '../../../server/broker/rules.ts';
import { bodySearchSchema, END_BEFORE_START, jsonPathSchema, propertyNameSchema, rangeInOrder, searchKeySchema, tagExpressionSchema } from '../../../server/schemas.ts';
import { DateTimeInput } from '../datetime-input.tsx';
import { Field, useForm, type FieldErrors, type Form } from '../form.tsx';
import { EMPTY_FILTERS, type FilterValues } from '../message/search-params.ts';
import { buttonClass, inputClass, secondaryButtonClass } from '../ui.tsx';

/** The Messages page's filters, and when the letters were stored in the DLQ (a blank bound: its start, or now). */
export interface DeadLetterFilterValues extends FilterValues {
  beginMs: number | undefined;
  endMs: number | undefined;
}

export const EMPTY_DEAD_LETTER_FILTERS: DeadLetterFilterValues = { ...EMPTY_FILTERS, beginMs: undefined, endMs: undefined };

/** The range as the list, the export and the "all matching" actions take it: only the bounds that are set. */
export function storedRangeOf(f: DeadLetterFilterValues): { beginMs?: number; endMs?: number } {
  return { ...(f.beginMs !== undefined ? { beginMs: f.beginMs } : {}), ...(f.endMs !== undefined ? { endMs: f.endMs } : {}) };
}

type Values = DeadLetterFilterValues & Record<string, unknown>;

/** A filter is checked only when it is used: empty means "not filtered". */
function validate(v: Values): FieldErrors<Values> {
  const used = (schema: Parameters<typeof fieldError>[0], value: string) => (value.trim() ? fieldError(schema, value) : '');
  return {
    endMs: rangeInOrder(v) ? '' : END_BEFORE_START,
    tag: used(tagExpressionSchema, v.tag),
    key: used(searchKeySchema, v.key),
    propName: v.propName.trim() ? fieldError(propertyNameSchema, v.propName) : v.propValue ? 'Enter the property name' : '',
    body: v.body ? fieldError(bodySearchSchema, v.body) : '',
    jsonPath: v.jsonPath.trim() ? fieldError(jsonPathSchema, v.jsonPath) : v.jsonEquals ? 'Enter the path of the value' : '',
  };
}

function Text({ form, name, label, placeholder, className = 'w-40', mono }: { form: Form<Values>; name: keyof FilterValues & string; label: string; placeholder: string; className?: string; mono?: boolean }) {
  return (
    <Field label={label} error={form.error(name)} className={className}>
      <input aria-label={label} placeholder={placeholder} value={String(form.values[name])} onChange={(e) => form.set(name, e.target.value)} className={`w-full ${mono ? 'font-mono' : ''} ${inputClass}`} />
    </Field>
  );
}

/**
 * The Messages page's time range and filters over a DLQ (when dead-lettered; tag, key, a property, body text, a
 * JSON value), applied on the server. Mount it with a key of the applied filters, so Clear (and a new link)
 * starts it afresh.
 */
export function DeadLetterFilters({ initial, onApply }: { initial: DeadLetterFilterValues; onApply(filters: DeadLetterFilterValues): void }) {
  const form = useForm<Values>({ ...initial }, validate);
  return (
    <form noValidate role="search" aria-label="Filter dead letters" onSubmit={form.onSubmit((v) => onApply(v))} className="flex flex-wrap items-start gap-3">
      <Field label="Dead-lettered from" error={form.error('beginMs')} className="w-64">
        <DateTimeInput label="From" value={form.values.beginMs} onChange={(ms) => form.set('beginMs', ms)} />
      </Field>
      <Field label="to" error={form.error('endMs')} className="w-64">
        <DateTimeInput label="To" value={form.values.endMs} onChange={(ms) => form.set('endMs', ms)} />
      </Field>
      <Text form={form} name="tag" label="Tag" placeholder="TagA || TagB" />
      <Text form={form} name="key" label="Key" placeholder="order-42" />
      <Text form={form} name="propName" label="Property" placeholder="name" className="w-32" />
      <Field label="Match" className="w-28">
        <select aria-label="Property match" value={form.values.propOp} onChange={(e) => form.set('propOp', e.target.value === 'contains' ? 'contains' : 'eq')} className={`w-full ${inputClass}`}>
          <option value="eq">equals</option>
          <option value="contains">contains</option>
        </select>
      </Field>
      <Text form={form} name="propValue" label="Property value" placeholder="value" className="w-32" />
      <Text form={form} name="body" label="Body contains" placeholder="text in the body" className="w-48" />
      <Text form={form} name="jsonPath" label="JSON path" placeholder="order.id" className="w-40" mono />
      <Text form={form} name="jsonEquals" label="equals" placeholder="value" className="w-28" />
      <span className="mt-6 flex gap-2">
        <button type="submit" disabled={form.invalid} className={buttonClass}>
          Filter
        </button>
        <button type="button" onClick={() => onApply(EMPTY_DEAD_LETTER_FILTERS)} className={secondaryButtonClass}>
          Clear
        </button>
      </span>
    </form>
  );
}
