#!/usr/bin/env bash
# npm run test:pg: starts a throwaway PostgreSQL cluster with the machine's PostgreSQL (Debian's
# postgresql: initdb and pg_ctl under /usr/lib/postgresql/*/bin), listening on a Unix socket in a
# temporary folder only (no TCP port), runs the store suite against SQLite and PostgreSQL, and stops
# and removes the cluster however the tests end. Extra arguments go to vitest (other test files).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=""
for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && bin="$dir"; done
if [ -z "$bin" ] && command -v initdb >/dev/null; then bin="$(dirname "$(command -v initdb)")"; fi
if [ -z "$bin" ]; then
  echo "test:pg needs PostgreSQL's initdb and pg_ctl (Debian: apt-get install postgresql)" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-pg.XXXXXX")"
# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
as=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "running as root: test:pg needs the postgres user" >&2; exit 1; }
  chown postgres "$work"
  as=(runuser -u postgres --)
fi

stop() {
  "${as[@]}" "$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT

started=$(date +%s.%N)
"${as[@]}" "$bin/initdb" -D "$work/data" -A trust -U newsdesk --no-sync -E UTF8 >"$work/initdb.log" 2>&1 ||
  { cat "$work/initdb.log" >&2; exit 1; }
# Durability is not what is tested: no fsync, and a socket in the temporary folder only.
"${as[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-k $work -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null ||
  { cat "$work/server.log" >&2; exit 1; }
printf 'PostgreSQL up in %.1f s (%s)\n' "$(echo "$(date +%s.%N) - $started" | bc)" "$("$bin/postgres" --version)"

export NEWSDESK_TEST_DATABASE_URL="postgres://newsdesk@localhost/postgres?host=$work"
# The store suite, parametrised over both dialects (tests/store/dialects.ts), and the two-host test;
# extra arguments go to vitest. NEWSDESK_PG_ONLY=<files> runs only those (while working on one).
npx vitest run ${NEWSDESK_PG_ONLY:-tests/store/store.test.ts tests/store/guildFileSync.test.ts tests/discord/multihost-pg.test.ts} "$@"
