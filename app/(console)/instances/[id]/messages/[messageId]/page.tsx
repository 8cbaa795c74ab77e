'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { Bytes } from '../../../../../_components/bytes.tsx';
import { EmptyState } from '../../../../../_components/empty-state.tsx';
import { useInstance } from '../../../../../_components/instance-scope.tsx';
import { KeyValues } from '../../../../../_components/key-values.tsx';
import { DeliveryStates } from '../../../../../_components/message/delivery-states.tsx';
import { HeldState } from '../../../../../_components/message/held-state.tsx';
import { MessageBody } from '../../../../../_components/message/message-body.tsx';
import { ResendMessage } from '../../../../../_components/message/resend-message.tsx';
import { messageHref } from '../../../../../_components/message/search-params.ts';
import { TraceTimeline } from '../../../../../_components/message/trace-timeline.tsx';
import { NavLink } from '../../../../../_components/nav-link.tsx';
import { PageHeader } from '../../../../../_components/page-header.tsx';
import { QueryView } from '../../../../../_components/query-view.tsx';
import { useRouteName } from '../../../../../_components/resource-page.tsx';
import { useCanOperate } from '../../../../../_components/shell.tsx';
import { Time } from '../../../../../_components/time.tsx';
import { useTRPC } from '../../../../../_components/trpc.tsx';
import { Card, Fact, Facts, linkClass, secondaryButtonClass } from '../../../../../_components/ui.tsx';
import type { AppRouter } from '../../../../../../server/routers/_app.ts';

type Found = NonNullable<inferRouterOutputs<AppRouter>['message']['get']['message']>;

const sub = 'block text-xs text-slate-500 dark:text-slate-400';

function SystemProperties({ m }: { m: Found }) {
  const instance = useInstance();
  const canOperate = useCanOperate();
  return (
    <Card title="System properties">
      <Facts plain>
        <Fact label="Message id"><code className="font-mono text-xs break-all">{m.messageId}</code></Fact>
        <Fact label="Topic">
          <NavLink href={`/instances/${instance.id}/topics/${encodeURIComponent(m.topicRef)}`} className={linkClass}>
            <span data-testid="message-topic">{m.topic}</span>
          </NavLink>
          {m.originTopic && <span className={sub}>dead letter of {m.originTopic}</span>}
        </Fact>
        <Fact label="Namespace">{m.namespace || '—'}</Fact>
        <Fact label="Queue / offset">{m.held ? '— (not in the topic yet)' : `${m.queueId} / ${m.queueOffset}`}</Fact>
        <Fact label="Commit-log offset"><span className="tabular-nums">{m.commitLogOffset.toLocaleString()}</span></Fact>
        <Fact label="Tag">{m.tag || '—'}</Fact>
        <Fact label="Keys">{m.keys.join(', ') || '—'}</Fact>
        <Fact label="Message type">{m.messageType ?? '—'}</Fact>
        <Fact label="Message group">{m.messageGroup ?? '—'}</Fact>
        <Fact label="Born host">{m.bornHost || '—'}</Fact>
        <Fact label="Born"><Time at={m.bornTimestamp} /></Fact>
        <Fact label="Stored"><Time at={m.storeTimestamp} relative="beside" /></Fact>
        <Fact label="Delivery time">{m.deliverAt ? <Time at={m.deliverAt} relative="beside" /> : 'On store'}</Fact>
        <Fact label="Store size"><Bytes value={m.storeSize} /></Fact>
        <Fact label="Body size"><Bytes value={m.bodyBytes} /></Fact>
        {m.reconsumeTimes > 0 && <Fact label="Reconsume times">{m.reconsumeTimes}</Fact>}
        {m.deadLetterReason && <Fact label="Dead-letter reason">{m.deadLetterReason}</Fact>}
        {m.resentFrom && (
          <Fact label="Resent from">
            <NavLink href={messageHref(instance.id, m.resentFrom)} className={`font-mono text-xs ${linkClass}`}>{m.resentFrom}</NavLink>
          </Fact>
        )}
        <Fact label="Trace context"><code className="font-mono text-xs break-all">{m.traceContext ?? '—'}</code></Fact>
        <Fact label="OpenTelemetry trace">
          {m.otelTraceId ? (
            m.traceUrl ? (
              <a href={m.traceUrl} target="_blank" rel="noreferrer" className={`font-mono text-xs break-all ${linkClass}`} data-testid="otel-trace-link">{m.otelTraceId}</a>
            ) : (
              <code className="font-mono text-xs break-all">{m.otelTraceId}</code>
            )
          ) : '—'}
        </Fact>
      </Facts>
      {m.held && (
        <div className="mt-4">
          <HeldState held={m.held} instanceId={instance.id} topic={m.topicRef} messageId={m.messageId} canOperate={canOperate} />
        </div>
      )}
    </Card>
  );
}

/** The body as a file, and the whole message (properties and base64 body, one NDJSON line's shape) as JSON. */
function Downloads({ messageId }: { messageId: string }) {
  const instance = useInstance();
  const base = `/api/instances/${encodeURIComponent(instance.id)}/messages/${encodeURIComponent(messageId)}`;
  const small = `${secondaryButtonClass} px-2! py-1! text-xs!`;
  return (
    <>
      <a href={`${base}/body`} download className={small}>
        Download body
      </a>
      <a href={`${base}/json`} download className={small}>
        Download message JSON
      </a>
    </>
  );
}

function MessageView({ messageId }: { messageId: string }) {
  const instance = useInstance();
  const trpc = useTRPC();
  const canOperate = useCanOperate();
  const found = useQuery({ ...trpc.message.get.queryOptions({ instanceId: instance.id, messageId }), refetchInterval: 5_000 });
  const m = found.data?.message;
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Messages', href: `/instances/${instance.id}/messages` }, { label: messageId }]}
        title={<>Message <code className="font-mono text-base">{messageId}</code></>}
        description={m ? <>In topic {m.topic}{m.namespace ? ` of namespace ${m.namespace}` : ''}, stored <Time at={m.storeTimestamp} />.</> : undefined}
        actions={
          m && canOperate && !m.held && <ResendMessage instanceId={instance.id} messageId={messageId} homeTopic={m.originTopic ?? m.topicRef} messageType={m.messageType} />
        }
      />
      <QueryView query={found} notFound={null}>
        {({ message, trace }) => {
          if (!message && trace.length === 0) {
            return (
              <Card>
                <EmptyState
                  title="No message has this id on this instance."
                  hint="Message ids are shown by the SDK's send receipt and in the Messages search."
                  action={<NavLink href={`/instances/${instance.id}/messages?by=id`} className={linkClass}>Search messages</NavLink>}
                />
              </Card>
            );
          }
          return (
            <>
              {message ? (
                <>
                  <SystemProperties m={message} />
                  <Card title="User properties">
                    <KeyValues entries={Object.entries(message.properties)} empty="No user properties." />
                  </Card>
                  <Card title="Body" actions={<Downloads messageId={messageId} />}>
                    <MessageBody instanceId={instance.id} messageId={messageId} kind={message.bodyKind} bodyBytes={message.bodyBytes} preview={message.bodyPreview} />
                  </Card>
                  {!message.held && <DeliveryStates instanceId={instance.id} messageId={messageId} canOperate={canOperate} />}
                </>
              ) : (
                <Card>
                  <EmptyState title="The message is no longer stored." hint="Its retention ran out; its recorded steps remain." />
                </Card>
              )}
              <Card title="Trace">
                {trace.length > 0 ? <TraceTimeline events={trace} instanceId={instance.id} messageId={messageId} /> : <EmptyState title="No step of this message was recorded." />}
              </Card>
            </>
          );
        }}
      </QueryView>
    </>
  );
}

/** A message by id, on its own linkable page: where it is, what it carries, who got it, and every step of its life. */
export default function MessageDetailPage() {
  const messageId = useRouteName('messageId');
  return <MessageView key={messageId} messageId={messageId} />;
}
