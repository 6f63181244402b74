#!/usr/bin/env bash
# The real services the scale-out tests run against, started on loopback and left running:
#   PostgreSQL from Debian's packages (a private cluster, port 54329), and
#   s3s-fs, an S3-compatible server from crates.io (built once into ~/.cache/plansift-tools).
# `scripts/services.sh start` prints the variables the tests read, as `export` lines:
#   eval "$(scripts/services.sh start)"
# `scripts/services.sh stop` stops both; `fresh` stops them, drops their data and starts them
# again (scripts/test.sh does, so databases of earlier runs do not pile up). Safe to run
# again: running services are reused.
set -euo pipefail
cmd=${1:-start}
state="${PLANSIFT_SERVICES_DIR:-${TMPDIR:-/tmp}/plansift-services}"
tools="${HOME}/.cache/plansift-tools"
pg_port=${PLANSIFT_TEST_PG_PORT:-54329}
s3_port=${PLANSIFT_TEST_S3_PORT:-9199}
s3_key=plansift
s3_secret=plansift-test-secret
s3s_version=0.14.1

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() {
  # initdb and postgres refuse to run as root; a root shell runs them as Debian's postgres user.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [ -n "$pg_bin" ] && [ -f "$state/pg/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$state/pg" -m fast stop >/dev/null 2>&1 || true
  fi
  if [ -f "$state/s3.pid" ]; then
    kill "$(cat "$state/s3.pid")" 2>/dev/null || true
    rm -f "$state/s3.pid"
  fi
}

case "$cmd" in
  stop) stop; exit 0 ;;
  fresh) stop; rm -rf "$state" ;;
  start) ;;
  *) echo "usage: scripts/services.sh start|stop|fresh" >&2; exit 2 ;;
esac

mkdir -p "$state"
[ "$(id -u)" != 0 ] || chown postgres "$state" 2>/dev/null || true

# PostgreSQL: a private cluster with trust authentication on loopback only.
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL is not installed: run scripts/setup.sh --test" >&2
  exit 1
fi
if ! as_pg "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; then
  if [ ! -f "$state/pg/PG_VERSION" ]; then
    rm -rf "$state/pg"
    mkdir -p "$state/pg"
    [ "$(id -u)" != 0 ] || chown postgres "$state/pg"
    as_pg "$pg_bin/initdb" -D "$state/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1
  fi
  as_pg "$pg_bin/pg_ctl" -D "$state/pg" -l "$state/pg.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $state/pg -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
fi

# The S3-compatible server, built from crates.io once and cached.
s3s="$tools/bin/s3s-fs"
if [ ! -x "$s3s" ] || [ "$("$s3s" --version 2>/dev/null)" != "s3s-fs $s3s_version" ]; then
  echo "building s3s-fs $s3s_version into $tools (once)" >&2
  CARGO_TARGET_DIR="$tools/target" cargo install --quiet --locked --root "$tools" \
    s3s-fs --version "$s3s_version" --features binary >&2
fi
if ! { [ -f "$state/s3.pid" ] && kill -0 "$(cat "$state/s3.pid")" 2>/dev/null; }; then
  mkdir -p "$state/s3/plansift-test"
  nohup "$s3s" --host 127.0.0.1 --port "$s3_port" --access-key "$s3_key" --secret-key "$s3_secret" \
    "$state/s3" >"$state/s3.log" 2>&1 &
  echo $! >"$state/s3.pid"
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null && break
    sleep 0.1
  done
fi

cat <<EOF
export PLANSIFT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/postgres
export PLANSIFT_TEST_S3_BUCKET=plansift-test
export AWS_ENDPOINT_URL=http://127.0.0.1:$s3_port
export AWS_ACCESS_KEY_ID=$s3_key
export AWS_SECRET_ACCESS_KEY=$s3_secret
export AWS_REGION=us-east-1
EOF
