'use client';

import { useState, type FormEvent } from 'react';
import { fieldError, maxMessageSizeSchema } from '../../server/broker/rules.ts';
import { descriptionSchema, grpcPortSchema, instanceNameSchema, regionSchema, retentionHoursSchema, type FLUSH_MODES } from '../../server/schemas.ts';
import { buttonClass, cardClass, inputClass } from './ui.tsx';

export interface InstanceFormValue {
  name: string;
  region: string;
  description: string;
  grpcPort: number;
  retentionHours: number;
  maxMessageSize: number;
  flushMode: (typeof FLUSH_MODES)[number];
}

/** The schema of each checked field: the same the instance router's input uses. */
const FIELD_SCHEMAS = {
  name: instanceNameSchema,
  region: regionSchema,
  description: descriptionSchema,
  grpcPort: grpcPortSchema,
  retentionHours: retentionHoursSchema,
  maxMessageSize: maxMessageSizeSchema,
} as const;

/** Checks as the user types; the server checks again with the same schemas and answers with field errors. */
function instanceErrors(v: InstanceFormValue): Partial<Record<keyof InstanceFormValue, string>> {
  const e: Partial<Record<keyof InstanceFormValue, string>> = {};
  for (const key of Object.keys(FIELD_SCHEMAS) as (keyof typeof FIELD_SCHEMAS)[]) {
    const error = fieldError(FIELD_SCHEMAS[key], v[key]);
    if (error) e[key] = error;
  }
  return e;
}

export function InstanceForm(props: { initial: InstanceFormValue; nameLocked?: boolean; submitLabel: string; pending: boolean; error?: string | undefined; onSubmit(v: InstanceFormValue): void }) {
  const [v, setV] = useState(props.initial);
  const errors = instanceErrors(v);
  const field = (key: keyof InstanceFormValue, label: string, type: 'text' | 'number' = 'text') => (
    <label className="text-sm">
      <span className="font-medium">{label}</span>
      <input
        aria-label={label}
        type={type}
        disabled={key === 'name' && props.nameLocked}
        value={String(v[key])}
        onChange={(e) => setV({ ...v, [key]: type === 'number' ? Number(e.target.value) : e.target.value })}
        className={`mt-1 w-full ${inputClass}`}
      />
      {errors[key] && <span className="mt-1 block text-xs text-red-600">{errors[key]}</span>}
    </label>
  );
  function submit(e: FormEvent): void {
    e.preventDefault();
    if (Object.keys(errors).length === 0) props.onSubmit(v);
  }
  return (
    <form onSubmit={submit} className={`grid grid-cols-1 gap-3 md:grid-cols-4 ${cardClass}`}>
      {field('name', 'Instance name')}
      {field('region', 'Region')}
      {field('grpcPort', 'gRPC port (0 = any free port)', 'number')}
      <label className="text-sm">
        <span className="font-medium">Flush</span>
        <select aria-label="Flush" value={v.flushMode} onChange={(e) => setV({ ...v, flushMode: e.target.value as InstanceFormValue['flushMode'] })} className={`mt-1 w-full ${inputClass}`}>
          <option value="async">async (OS page cache)</option>
          <option value="sync">sync (fdatasync, group commit)</option>
        </select>
      </label>
      {field('retentionHours', 'Retention (hours)', 'number')}
      {field('maxMessageSize', 'Max message size (bytes)', 'number')}
      <div className="md:col-span-2">{field('description', 'Description')}</div>
      {props.error && <p role="alert" className="text-sm text-red-600 md:col-span-3">{props.error}</p>}
      <div className="flex items-end md:col-start-4">
        <button type="submit" disabled={Object.keys(errors).length > 0 || props.pending} className={`w-full ${buttonClass}`}>
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}
