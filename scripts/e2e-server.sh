#!/usr/bin/env bash
# The console as a newcomer runs it, on its own ports and a fresh data directory, for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=./data/e2e-${E2E_PORT:-3100}
export MERIDIAN_DATA_DIR=$DATA DATABASE_URL=file:$DATA/meridian.db NEXT_TELEMETRY_DISABLED=1
export MERIDIAN_ADMIN_PASSWORD=e2e-admin-pass MERIDIAN_GRPC_PORT=${E2E_GRPC_PORT:-18081}
rm -rf "$DATA"
npx tsx scripts/db-migrate.ts deploy
npx next build >/dev/null
exec node node_modules/next/dist/bin/next start -p "${E2E_PORT:-3100}"
