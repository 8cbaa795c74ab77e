import { consoleDeps } from '../../../../../../../server/routes/deps.ts';
import { downloadJson } from '../../../../../../../server/routes/message-files.ts';

/** The whole message (properties and base64 body) as a JSON file, in the shape of one export line. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string; messageId: string }> }): Promise<Response> {
  const { id, messageId } = await params;
  return downloadJson(req, consoleDeps(), id, messageId);
}
