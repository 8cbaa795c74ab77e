/** The process-wide database and runtime, as the console's HTTP routes use them (tests pass their own). */
import { db } from '../db.ts';
import { trustedProxyHops, type HttpDeps } from '../http-context.ts';
import { runtime } from '../runtime.ts';

let proxyHops: number | undefined;

export function consoleDeps(): HttpDeps {
  proxyHops ??= trustedProxyHops();
  return { db: db(), runtime: runtime(), proxyHops };
}
