'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useRouter, useSearchParams } from 'next/navigation.js';
import { Suspense, useState, type FormEvent } from 'react';
import { Bytes } from '../../../../_components/bytes.tsx';
import { EmptyState } from '../../../../_components/empty-state.tsx';
import { ErrorBanner } from '../../../../_components/errors.tsx';
import { Field } from '../../../../_components/form.tsx';
import { useInstance } from '../../../../_components/instance-scope.tsx';
import { KeyValues } from '../../../../_components/key-values.tsx';
import { HeldState } from '../../../../_components/message/held-state.tsx';
import { TraceTimeline } from '../../../../_components/message/trace-timeline.tsx';
import { NavLink } from '../../../../_components/nav-link.tsx';
import { PageHeader } from '../../../../_components/page-header.tsx';
import { useCanOperate } from '../../../../_components/shell.tsx';
import { Time } from '../../../../_components/time.tsx';
import { useTRPC } from '../../../../_components/trpc.tsx';
import { buttonClass, Card, Fact, Facts, inputClass, linkClass, Skeleton } from '../../../../_components/ui.tsx';
import { z } from 'zod';
import { fieldError, MAX_MESSAGE_ID_BYTES } from '../../../../../server/broker/rules.ts';
import type { AppRouter } from '../../../../../server/routers/_app.ts';

type Found = NonNullable<inferRouterOutputs<AppRouter>['message']['get']['message']>;

const messageIdSchema = z.string().trim().min(1, 'Enter a message id').max(MAX_MESSAGE_ID_BYTES, `At most ${MAX_MESSAGE_ID_BYTES} characters`);

function MessageFacts({ m }: { m: Found }) {
  const instance = useInstance();
  const canOperate = useCanOperate();
  return (
    <Card title={<>Message <code className="font-mono text-xs">{m.messageId}</code></>}>
      <Facts plain>
        <Fact label="Topic">
          <NavLink href={`/instances/${instance.id}/topics/${encodeURIComponent(m.topicRef)}`} className={linkClass}>
            <span data-testid="message-topic">{m.topic}</span>
          </NavLink>
          {m.namespace && <span className="block text-xs text-slate-500 dark:text-slate-400">namespace {m.namespace}</span>}
        </Fact>
        <Fact label="Queue / offset">{m.held ? '— (not in the topic yet)' : `${m.queueId} / ${m.queueOffset}`}</Fact>
        <Fact label="Tag">{m.tag || '—'}</Fact>
        <Fact label="Keys">{m.keys.join(', ') || '—'}</Fact>
        <Fact label="Born"><Time at={m.bornTimestamp} /><span className="block text-xs text-slate-500 dark:text-slate-400">on {m.bornHost}</span></Fact>
        <Fact label="Stored"><Time at={m.storeTimestamp} relative="beside" /></Fact>
        {m.deliverAt && <Fact label="Delivery time"><Time at={m.deliverAt} relative="beside" /></Fact>}
        <Fact label="Body size"><Bytes value={m.bodyBytes} /></Fact>
      </Facts>
      {m.held && (
        <div className="mt-4">
          <HeldState held={m.held} instanceId={instance.id} topic={m.topicRef} messageId={m.messageId} canOperate={canOperate} />
        </div>
      )}
      <h3 className="mt-5 mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">Properties</h3>
      <KeyValues entries={Object.entries(m.properties)} empty="No user properties." />
      <h3 className="mt-5 mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">Body{m.bodyBytes > m.body.length ? ' (start)' : ''}</h3>
      <pre className="max-h-96 overflow-auto rounded-md bg-slate-100 p-3 text-xs dark:bg-slate-800">{m.body}</pre>
    </Card>
  );
}

function Lookup({ messageId }: { messageId: string }) {
  const instance = useInstance();
  const trpc = useTRPC();
  const found = useQuery({ ...trpc.message.get.queryOptions({ instanceId: instance.id, messageId }), refetchInterval: 5_000 });
  if (found.isPending) return <Card><Skeleton /></Card>;
  if (found.error) return <ErrorBanner error={found.error} />;
  const { message, trace } = found.data;
  if (!message && trace.length === 0) return <Card><EmptyState title="No message has this id on this instance." hint="Message ids are shown by the SDK's send receipt, and in the topic pages." /></Card>;
  return (
    <>
      {message ? <MessageFacts m={message} /> : <Card><EmptyState title="The message is no longer stored." hint="Its retention ran out; its recorded steps remain." /></Card>}
      {trace.length > 0 && (
        <Card title="Trace">
          <TraceTimeline events={trace} />
        </Card>
      )}
    </>
  );
}

function MessagesView() {
  const instance = useInstance();
  const router = useRouter();
  const params = useSearchParams();
  const messageId = params.get('id') ?? '';
  const [input, setInput] = useState(messageId);
  const [touched, setTouched] = useState(false);
  const error = touched ? fieldError(messageIdSchema, input) : '';
  function submit(e: FormEvent): void {
    e.preventDefault();
    setTouched(true);
    if (!fieldError(messageIdSchema, input)) router.push(`/instances/${instance.id}/messages?id=${encodeURIComponent(input.trim())}`);
  }
  return (
    <>
      <PageHeader crumbs={[{ label: 'Messages' }]} title="Find a message" description="By message id: where it is, what holds it, and every step of its life." />
      <form onSubmit={submit} noValidate role="search" className="flex items-start gap-2">
        <Field label={<span className="sr-only">Message id</span>} error={error} className="w-full max-w-xl">
          <input aria-label="Message id" placeholder="message id" value={input} onChange={(e) => { setInput(e.target.value); setTouched(true); }} className={`w-full font-mono ${inputClass}`} />
        </Field>
        <button type="submit" disabled={!!error} className={`mt-1 ${buttonClass}`}>
          Look up
        </button>
      </form>
      {messageId && <Lookup key={messageId} messageId={messageId} />}
    </>
  );
}

export default function MessagesPage() {
  return (
    <Suspense fallback={<Skeleton />}>
      <MessagesView />
    </Suspense>
  );
}
