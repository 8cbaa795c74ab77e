import { consoleDeps } from '../../../../../../server/routes/deps.ts';
import { importMessages } from '../../../../../../server/routes/import.ts';

/** An NDJSON file into a topic (`?topic=`), answered with NDJSON progress events. */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return importMessages(req, consoleDeps(), (await params).id);
}
