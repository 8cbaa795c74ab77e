import { z } from 'zod';
import type { ClientInfo } from '../../broker/grpc/clients.ts';
import { MAX_GROUP_LENGTH, unwrapName } from '../broker/index.ts';
import { instanceProcedure, router } from '../trpc.ts';
import { PageInput, paginate } from './paging.ts';

/** A connected client as the console shows it: what its SDK reports, with bare resource names. */
export function clientView(c: ClientInfo) {
  const group = c.group === undefined ? undefined : unwrapName(c.group);
  return {
    clientId: c.clientId,
    kind: c.kind,
    /** The SDK's language and version (e.g. NODE_JS 1.0.8), and its platform string. */
    language: c.language,
    version: c.version,
    platform: c.platform,
    host: c.host,
    /** host:port the client connects from. */
    address: c.address,
    connectedAt: c.connectedAt,
    lastHeartbeat: c.lastHeartbeat,
    /** Messages per second sent and handed to the client, over the last 10 s or more. */
    sendPerSec: c.sendPerSec,
    receivePerSec: c.receivePerSec,
    sent: c.sent,
    received: c.received,
    /** The namespace of the client's resources: the one it declares, else its group's. */
    namespace: c.namespace || (group?.namespace ?? ''),
    group: group?.name ?? null,
    topics: c.topics.map((t) => unwrapName(t).name),
    subscriptions: c.subscriptions.map((s) => ({ ...s, topic: unwrapName(s.topic).name })),
  };
}
export type ClientView = ReturnType<typeof clientView>;

function searchText(c: ClientView): string {
  return [c.clientId, c.kind, c.language, c.version, c.host, c.address, c.namespace, c.group ?? '', ...c.topics].join(' ');
}

export const clientRouter = router({
  /** Producers and consumers connected over gRPC, most recently seen first unless sorted otherwise. */
  list: instanceProcedure('viewer')
    .input(PageInput.extend({ group: z.string().max(MAX_GROUP_LENGTH).optional() }))
    .query(async ({ ctx, input }) => {
      if (input.group) ctx.scope.requireName(input.group);
      const clients = await ctx.admin.clients(input.group ? { group: input.group } : {});
      // A client belongs to the namespace it declares (else its group's): the caller sees those of their scope.
      return paginate(clients.map(clientView).filter((c) => ctx.scope.allowsNamespace(c.namespace)), input, searchText);
    }),
});
