#!/usr/bin/env bash
# Runs a command (the unit tests, from `npm test`) with MERIDIAN_TEST_POSTGRES_URL
# pointing at a throwaway PostgreSQL server, so the PostgreSQL tests run
# instead of being skipped:
#
#   bash scripts/with-postgres.sh npx vitest run server/migrate/migrate.test.ts
#
# - MERIDIAN_TEST_POSTGRES_URL already set: runs the command against that server.
# - Else starts a cluster of its own: initdb into a temp dir, listening on a
#   free port on 127.0.0.1 (socket in the temp dir), with a database
#   `meridian_test` whose superuser `meridian` has a random password. The
#   server binaries come from Debian's `postgresql` package, installed when
#   missing if we are root with apt-get (as scripts/ensure-chromium.sh does
#   for the browser tests). Root runs the server as `postgres`: initdb refuses root.
# - The cluster is stopped and the temp dir removed however the command ends;
#   the command's exit status is passed through.
# - PostgreSQL cannot be had: one line says why and the command runs anyway
#   (the PostgreSQL tests then skip).
set -uo pipefail

cmd=("$@")
if [ ${#cmd[@]} -eq 0 ]; then
  echo "usage: bash scripts/with-postgres.sh <command> [args...]" >&2
  exit 2
fi
if [ -n "${MERIDIAN_TEST_POSTGRES_URL:-}" ]; then exec "${cmd[@]}"; fi

tmp=''
server_pid=''

note() { echo "with-postgres: $*" >&2; }

# Debian keeps the server binaries out of PATH, in /usr/lib/postgresql/<version>/bin.
find_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$dir" ] && command -v initdb >/dev/null; then dir=$(dirname "$(command -v initdb)"); fi
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && [ -x "$dir/pg_isready" ] && [ -x "$dir/createdb" ] && echo "$dir"
}

# Debian's package, as the project's CI containers have it; `apt-get update`
# only when the install fails (stale or missing package lists), as it is slow.
install_postgres() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  note "installing Debian's postgresql for the PostgreSQL tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq postgresql >"$tmp/apt.log" 2>&1 && return 0
  apt-get update -qq >>"$tmp/apt.log" 2>&1 && apt-get install -y -qq postgresql >>"$tmp/apt.log" 2>&1
}

# Where services may start (no policy-rc.d, which Docker's Debian images
# have), the package starts its "main" cluster. No PostgreSQL was installed
# before, so any cluster online now is the install's doing: stop it.
stop_installed_clusters() {
  command -v pg_lsclusters >/dev/null || return 0
  local version name _port status _rest
  pg_lsclusters -h 2>/dev/null | while read -r version name _port status _rest; do
    case "$status" in online*) pg_ctlcluster "$version" "$name" stop >/dev/null 2>&1 ;; esac
  done
}

# The server's commands run as `postgres` when we are root, from the temp dir
# (initdb fails in a working directory it cannot read, such as /root).
# setpriv execs (runuser and su fork and wait), so the server started through
# it is this script's own child: stopped and reaped here, never orphaned.
as_pg=()
if [ "$(id -u)" = 0 ]; then as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --); fi

free_port() {
  node -e "const s = require('net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}

# SIGQUIT is PostgreSQL's immediate shutdown: the data is thrown away, so no
# checkpoint. SIGKILL if it has not gone within 30 s; then reaped.
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -QUIT "$server_pid" 2>/dev/null
  local deadline=$((SECONDS + 30))
  while kill -0 "$server_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=''
}

cleanup() {
  stop_server
  if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}

# PostgreSQL cannot be had: say why in one line, then run the command anyway.
without_postgres() {
  note "$1: the PostgreSQL tests will be skipped (set MERIDIAN_TEST_POSTGRES_URL to use a server of your own)."
  cleanup
  trap - EXIT INT TERM
  exec "${cmd[@]}"
}

# Appended settings win over initdb's: a test server needs no durability.
configure() {
  cat >>"$tmp/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$tmp'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

# Waits (60 s at most) until the server accepts connections; false if it exits first.
wait_ready() {
  local deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    kill -0 "$server_pid" 2>/dev/null || return 1
    "$bindir/pg_isready" -q -h "$tmp" -p "$port" && return 0
    sleep 0.1
  done
  return 1
}

# A free port can be taken between choosing and binding it: try a few.
start_server() {
  local attempt
  for attempt in 1 2 3; do
    port=$(free_port) || return 1
    # One fork: the subshell execs into the server, so $! is the postmaster.
    (cd "$tmp" && exec "${as_pg[@]}" "$bindir/postgres" -D "$tmp/data" -p "$port" >>"$tmp/server.log" 2>&1) &
    server_pid=$!
    wait_ready && return 0
    stop_server
  done
  return 1
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tmp=$(mktemp -d /tmp/meridian-pg.XXXXXX) || without_postgres "cannot create a temp dir"
chmod 700 "$tmp"
begin=$SECONDS

bindir=$(find_bindir)
if [ -z "$bindir" ]; then
  install_postgres || without_postgres "PostgreSQL server binaries not found and Debian's postgresql could not be installed ($(tail -n 1 "$tmp/apt.log" 2>/dev/null || echo 'not root with apt-get'))"
  stop_installed_clusters
  bindir=$(find_bindir)
  [ -n "$bindir" ] || without_postgres "Debian's postgresql installed, but no initdb under /usr/lib/postgresql/*/bin"
fi
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || without_postgres "running as root without a 'postgres' user to run the server as (initdb refuses root)"
  command -v setpriv >/dev/null || without_postgres "running as root without setpriv (util-linux) to run the server as 'postgres'"
  chown postgres "$tmp"
fi

password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$password" >"$tmp/pwfile"
chmod 600 "$tmp/pwfile"
if [ "$(id -u)" = 0 ]; then chown postgres "$tmp/pwfile"; fi
(cd "$tmp" && "${as_pg[@]}" "$bindir/initdb" -D "$tmp/data" -U meridian --pwfile="$tmp/pwfile" --auth=scram-sha-256 \
  -E UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1) \
  || without_postgres "initdb failed ($(tail -n 1 "$tmp/initdb.log"))"
configure
start_server || without_postgres "the PostgreSQL server did not start ($(tail -n 1 "$tmp/server.log" 2>/dev/null))"
PGPASSWORD=$password "$bindir/createdb" -h 127.0.0.1 -p "$port" -U meridian meridian_test >"$tmp/createdb.log" 2>&1 \
  || without_postgres "createdb failed ($(tail -n 1 "$tmp/createdb.log"))"

export MERIDIAN_TEST_POSTGRES_URL="postgresql://meridian:$password@127.0.0.1:$port/meridian_test"
note "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port for the tests (ready in $((SECONDS - begin)) s)."

"${cmd[@]}"
status=$?
exit "$status"
