import { consoleDeps } from '../../../../../../../server/routes/deps.ts';
import { downloadBody } from '../../../../../../../server/routes/message-files.ts';

/** The message's body as a file. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string; messageId: string }> }): Promise<Response> {
  const { id, messageId } = await params;
  return downloadBody(req, consoleDeps(), id, messageId);
}
