import { consoleDeps } from '../../../../../../../../server/routes/deps.ts';
import { exportDeadLetters } from '../../../../../../../../server/routes/export.ts';

/** The group's dead letters (with the Messages page's filters) as an NDJSON download, streamed page by page. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string; group: string }> }): Promise<Response> {
  const { id, group } = await params;
  return exportDeadLetters(req, consoleDeps(), id, group);
}
