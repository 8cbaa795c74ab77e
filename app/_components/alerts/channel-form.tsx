'use client';

import { useMutation } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useAfterSave } from '../after-save.ts';
import { CheckboxField, ChoiceField, FormFooter, TextField, useForm, type FieldErrors } from '../form.tsx';
import { useTRPC } from '../trpc.tsx';
import { linkButtonClass } from '../ui.tsx';
import { fieldError } from '../../../server/broker/rules.ts';
import type { AppRouter } from '../../../server/routers/_app.ts';
import {
  CHANNEL_KINDS,
  channelNameSchema,
  emailAddressSchema,
  recipientsSchema,
  smtpPasswordSchema,
  smtpUrlSchema,
  splitRecipients,
  webhookSecretSchema,
  webhookUrlSchema,
  type ChannelKind,
  type ChannelTargetInput,
} from '../../../server/schemas.ts';

export type ChannelRow = inferRouterOutputs<AppRouter>['alertChannel']['list'][number];

const KIND_HELP: Record<ChannelKind, string> = {
  webhook: 'POSTs each alert as JSON, signed with X-Meridian-Signature when a secret is set.',
  email: 'Mails each alert through your SMTP server.',
};

// A type, not an interface: it must be assignable to the form's Record<string, unknown> without an index signature.
type Values = {
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  url: string;
  secret: string;
  removeSecret: boolean;
  smtpUrl: string;
  smtpPassword: string;
  from: string;
  to: string;
};

/** The form's starting values: empty for a new channel, the redacted target of an existing one (secrets blank). */
function initialValues(channel?: ChannelRow): Values {
  const blank: Values = { name: '', kind: 'webhook', enabled: true, url: '', secret: '', removeSecret: false, smtpUrl: '', smtpPassword: '', from: '', to: '' };
  if (!channel) return blank;
  const t = channel.target;
  if (t.kind === 'webhook') return { ...blank, name: channel.name, enabled: channel.enabled, kind: 'webhook', url: t.url };
  // The URL comes back with *** for its password; the password is kept unless a new one is typed.
  return { ...blank, name: channel.name, enabled: channel.enabled, kind: 'email', smtpUrl: t.smtpUrl.replace(/:\*\*\*@/, '@'), from: t.from, to: t.to.join(', ') };
}

/** An optional secret is checked only once something is typed. */
const optional = (schema: Parameters<typeof fieldError>[0], value: string) => (value ? fieldError(schema, value) : '');

function validate(v: Values): FieldErrors<Values> {
  const name = fieldError(channelNameSchema, v.name);
  if (v.kind === 'webhook') return { name, url: fieldError(webhookUrlSchema, v.url), secret: optional(webhookSecretSchema, v.secret) };
  return {
    name,
    smtpUrl: fieldError(smtpUrlSchema, v.smtpUrl),
    smtpPassword: optional(smtpPasswordSchema, v.smtpPassword),
    from: fieldError(emailAddressSchema, v.from),
    to: fieldError(recipientsSchema, splitRecipients(v.to)),
  };
}

function targetOf(v: Values): ChannelTargetInput {
  if (v.kind === 'webhook') return { kind: 'webhook', url: v.url.trim(), ...(v.secret && !v.removeSecret ? { secret: v.secret } : {}), ...(v.removeSecret ? { removeSecret: true } : {}) };
  return { kind: 'email', smtpUrl: v.smtpUrl.trim(), ...(v.smtpPassword ? { smtpPassword: v.smtpPassword } : {}), from: v.from.trim(), to: splitRecipients(v.to) };
}

/** 32 hex characters (128 bits) from the browser's CSPRNG: a signing key the receiver is then given. */
function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function WebhookFields({ form, hasSecret }: { form: ReturnType<typeof useForm<Values>>; hasSecret: boolean }) {
  return (
    <>
      <TextField form={form} name="url" label="URL" hint="http:// or https://; redirects are not followed." autoComplete="off" />
      <TextField
        form={form}
        name="secret"
        label="Signing secret"
        disabled={form.values.removeSecret}
        autoComplete="off"
        hint={hasSecret ? 'A secret is set; leave blank to keep it.' : 'Optional, at least 16 characters: the receiver checks the HMAC-SHA256 signature with it.'}
      />
      {!form.values.removeSecret && (
        <button type="button" onClick={() => form.set('secret', randomSecret())} className={linkButtonClass}>
          Generate a random secret
        </button>
      )}
      {hasSecret && <CheckboxField label="Remove the secret" hint="Alerts are then sent unsigned." checked={form.values.removeSecret} onChange={(c) => form.set('removeSecret', c)} />}
    </>
  );
}

function EmailFields({ form, hasPassword }: { form: ReturnType<typeof useForm<Values>>; hasPassword: boolean }) {
  return (
    <>
      <TextField form={form} name="smtpUrl" label="SMTP server" hint="e.g. smtps://alerts@mail.example.com:465 (smtp:// upgrades with STARTTLS when offered)" autoComplete="off" />
      <TextField form={form} name="smtpPassword" label="SMTP password" type="password" autoComplete="new-password" hint={hasPassword ? 'A password is set; leave blank to keep it (for the same user).' : 'Only if the server asks for a sign-in.'} />
      <TextField form={form} name="from" label="From" autoComplete="off" />
      <TextField form={form} name="to" label="To" hint="Up to 20 addresses, separated by commas." autoComplete="off" />
    </>
  );
}

/** Creates a channel, or edits `channel`; the secrets it holds are never shown, only whether they are set. */
export function ChannelForm({ channel, onDone }: { channel?: ChannelRow; onDone(): void }) {
  const trpc = useTRPC();
  const after = useAfterSave({ refresh: [trpc.alertChannel.list.pathKey()], message: (_d: unknown, v: { name: string }) => `Channel ${v.name} saved.`, then: onDone });
  const create = useMutation(trpc.alertChannel.create.mutationOptions({ onSuccess: after }));
  const update = useMutation(trpc.alertChannel.update.mutationOptions({ onSuccess: after }));
  const save = channel ? update : create;
  const form = useForm(initialValues(channel), validate, save);
  const t = channel?.target;
  const submit = (v: Values) => {
    const input = { name: v.name.trim(), enabled: v.enabled, target: targetOf(v) };
    if (channel) update.mutate({ ...input, id: channel.id });
    else create.mutate(input);
  };
  return (
    <form noValidate onSubmit={form.onSubmit(submit)} className="space-y-4">
      <TextField form={form} name="name" label="Name" autoComplete="off" />
      <ChoiceField form={form} name="kind" label="Kind" selectLabel="Channel kind" options={CHANNEL_KINDS} help={KIND_HELP} />
      {form.values.kind === 'webhook' ? <WebhookFields form={form} hasSecret={t?.kind === 'webhook' && t.hasSecret} /> : <EmailFields form={form} hasPassword={t?.kind === 'email' && t.hasPassword} />}
      <CheckboxField label="Enabled" hint="A disabled channel gets no alerts; Send test still works." checked={form.values.enabled} onChange={(c) => form.set('enabled', c)} />
      <FormFooter error={form.bannerError} disabled={form.invalid || save.isPending} label={channel ? 'Save channel' : 'Add channel'} />
    </form>
  );
}
