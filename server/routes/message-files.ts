/** Downloads of one message (viewer role): its body as a file, or the whole message as JSON (one export line's shape). */
import { z } from 'zod';
import { MAX_MESSAGE_ID_BYTES, type FoundMessage } from '../broker/index.ts';
import { AppError } from '../trpc.ts';
import { answer, attachment, authorize, type HttpDeps } from './http.ts';
import { ndjsonOf } from './message-json.ts';

const MessageId = z.string().trim().min(1).max(MAX_MESSAGE_ID_BYTES);

async function found(req: Request, deps: HttpDeps, instanceId: string, messageId: string): Promise<FoundMessage> {
  const { admin, scope } = await authorize(req, deps, instanceId, 'viewer');
  const id = MessageId.parse(messageId);
  const f = await admin.findMessage(id);
  if (!f) throw new AppError('MESSAGE_NOT_FOUND', 'NOT_FOUND', `No stored message has id ${id} on this instance`);
  scope.requireName(f.topic);
  return f;
}

/** A file name made of the id alone (ids are hex, but a file name must never carry a path). */
function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** GET /api/instances/<id>/messages/<messageId>/body: the body's bytes, as they were sent. */
export function downloadBody(req: Request, deps: HttpDeps, instanceId: string, messageId: string): Promise<Response> {
  return answer(async () => {
    const { message } = await found(req, deps, instanceId, messageId);
    return new Response(new Uint8Array(message.body), {
      headers: { 'content-type': 'application/octet-stream', 'content-disposition': attachment(`${safeName(message.messageId)}.bin`), 'cache-control': 'no-store' },
    });
  });
}

/** GET /api/instances/<id>/messages/<messageId>/json: properties, times and the base64 body, as one export line. */
export function downloadJson(req: Request, deps: HttpDeps, instanceId: string, messageId: string): Promise<Response> {
  return answer(async () => {
    const f = await found(req, deps, instanceId, messageId);
    return new Response(`${JSON.stringify(ndjsonOf(f.message, f.topic), null, 2)}\n`, {
      headers: { 'content-type': 'application/json', 'content-disposition': attachment(`${safeName(f.message.messageId)}.json`), 'cache-control': 'no-store' },
    });
  });
}
