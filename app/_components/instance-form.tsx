'use client';

import { fieldError, maxMessageSizeSchema, traceRetentionError } from '../../server/broker/rules.ts';
import { descriptionSchema, FLUSH_MODES, grpcPortSchema, instanceNameSchema, regionSchema, retentionHoursSchema, tlsFileSchema, tlsPairError, tpsLimitSchema } from '../../server/schemas.ts';
import { formatBytes } from './bytes.tsx';
import { Field, FormFooter, NumberField, TextField, useForm, type FieldErrors } from './form.tsx';
import { inputClass } from './ui.tsx';

export type InstanceFormValue = {
  name: string;
  region: string;
  description: string;
  grpcPort: number;
  retentionHours: number;
  traceRetentionHours: number;
  maxMessageSize: number;
  flushMode: (typeof FLUSH_MODES)[number];
  /** 0: unlimited. */
  maxTps: number;
  maxReceiveTps: number;
  /** '': none. */
  tlsCertFile: string;
  tlsKeyFile: string;
};

/** The router's spec of the form's values (all but the name): 0 and '' are "none". */
export function instanceSpecOf({ name: _name, ...v }: InstanceFormValue) {
  return { ...v, maxTps: v.maxTps || null, maxReceiveTps: v.maxReceiveTps || null, tlsCertFile: v.tlsCertFile.trim() || null, tlsKeyFile: v.tlsKeyFile.trim() || null };
}

/** The form's values of an instance's limits and TLS files. */
export function limitFieldsOf(i: { maxTps: number | null; maxReceiveTps: number | null; tlsCertFile: string | null; tlsKeyFile: string | null }) {
  return { maxTps: i.maxTps ?? 0, maxReceiveTps: i.maxReceiveTps ?? 0, tlsCertFile: i.tlsCertFile ?? '', tlsKeyFile: i.tlsKeyFile ?? '' };
}

/** The schema of each checked field: the same the instance router's input uses. */
const FIELD_SCHEMAS = {
  name: instanceNameSchema,
  region: regionSchema,
  description: descriptionSchema,
  grpcPort: grpcPortSchema,
  retentionHours: retentionHoursSchema,
  traceRetentionHours: retentionHoursSchema,
  maxMessageSize: maxMessageSizeSchema,
  maxTps: tpsLimitSchema,
  maxReceiveTps: tpsLimitSchema,
  tlsCertFile: tlsFileSchema,
  tlsKeyFile: tlsFileSchema,
} as const;

function instanceErrors(v: InstanceFormValue): FieldErrors<InstanceFormValue> {
  const e: FieldErrors<InstanceFormValue> = {};
  for (const key of Object.keys(FIELD_SCHEMAS) as (keyof typeof FIELD_SCHEMAS)[]) {
    const error = fieldError(FIELD_SCHEMAS[key], v[key]);
    if (error) e[key] = error;
  }
  if (!e.traceRetentionHours && !e.retentionHours) {
    const error = traceRetentionError(v.traceRetentionHours, v.retentionHours);
    if (error) e.traceRetentionHours = error;
  }
  const tls = tlsPairError(v.tlsCertFile.trim(), v.tlsKeyFile.trim());
  if (tls && !e.tlsCertFile && !e.tlsKeyFile) e[v.tlsCertFile.trim() ? 'tlsKeyFile' : 'tlsCertFile'] = tls;
  return e;
}

/** An instance's spec, for creating one (in a drawer) and for its settings page. */
export function InstanceForm(props: { initial: InstanceFormValue; nameLocked?: boolean; submitLabel: string; pending: boolean; server: { error: unknown; reset(): void }; onSubmit(v: InstanceFormValue): void }) {
  const form = useForm(props.initial, instanceErrors, props.server);
  return (
    <form onSubmit={form.onSubmit(props.onSubmit)} noValidate className="grid grid-cols-1 gap-4 sm:grid-cols-2">
      <TextField form={form} name="name" label="Instance name" disabled={props.nameLocked} />
      <TextField form={form} name="region" label="Region" />
      <NumberField form={form} name="grpcPort" label="gRPC port" hint="0 picks any free port" />
      <Field label="Flush">
        <select aria-label="Flush" value={form.values.flushMode} onChange={(e) => form.set('flushMode', e.target.value as InstanceFormValue['flushMode'])} className={`w-full ${inputClass}`}>
          <option value="async">async (OS page cache)</option>
          <option value="sync">sync (fdatasync, group commit)</option>
        </select>
      </Field>
      <NumberField form={form} name="retentionHours" label="Message retention (hours)" />
      <NumberField form={form} name="traceRetentionHours" label="Trace retention (hours)" hint="How long each message's trace events are kept" />
      <NumberField form={form} name="maxMessageSize" label="Max message size (bytes)" hint={formatBytes(form.values.maxMessageSize)} />
      <NumberField form={form} name="maxTps" label="Send limit (messages/s)" hint="0: unlimited. Over it, sends get TOO_MANY_REQUESTS and the SDK retries." min={0} />
      <NumberField form={form} name="maxReceiveTps" label="Receive limit (messages/s)" hint="0: unlimited." min={0} />
      <TextField form={form} name="tlsCertFile" label="TLS certificate file (PEM)" hint="A path on the console's host; with the key, gRPC is TLS only (SDK sslEnabled)." autoComplete="off" />
      <TextField form={form} name="tlsKeyFile" label="TLS key file (PEM)" hint="Read at start; never shown or sent anywhere." autoComplete="off" />
      <TextField form={form} name="description" label="Description" className="sm:col-span-2" />
      <div className="sm:col-span-2">
        <FormFooter error={form.bannerError} disabled={form.invalid || props.pending} label={props.submitLabel} />
      </div>
    </form>
  );
}
