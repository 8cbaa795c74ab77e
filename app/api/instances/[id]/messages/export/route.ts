import { consoleDeps } from '../../../../../../server/routes/deps.ts';
import { exportMessages } from '../../../../../../server/routes/export.ts';

/** A topic + time query (with filters), every message of a key (`key=`) or a selection (`ids=`) as an NDJSON download, streamed page by page. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return exportMessages(req, consoleDeps(), (await params).id);
}
