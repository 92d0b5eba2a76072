#!/usr/bin/env bash
# Throw-away PostgreSQL 15 + PostGIS cluster for the integration tests.
#
#   eval "$(.ci/postgres.sh start)"     # prints: export MINEWATCH_TEST_POSTGRES_URL=... / export MINEWATCH_PG_DIR=...
#   .ci/postgres.sh stop [DIR]          # DIR defaults to $MINEWATCH_PG_DIR; stops the server, deletes DIR
#
# Only the export lines go to stdout; progress and versions go to stderr. The cluster lives in a
# `mktemp -d` folder (data/, sock/, server.log), listens on 127.0.0.1 at a free port, and is tuned for
# speed, not durability. Run as root (initdb then runs as the `postgres` user) or as an ordinary user.
# `start` cleans up after itself if it fails part-way; after it succeeds, stopping is the caller's job.
set -euo pipefail

PG_BIN=${MINEWATCH_PG_BIN:-/usr/lib/postgresql/15/bin}
APP_ROLE=minewatch
APP_DB=minewatch_test
MARKER=.minewatch-pg  # only folders holding this file are ever deleted by `stop`

log() { printf '[postgres.sh %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: eval "$(.ci/postgres.sh start)"
       .ci/postgres.sh stop [DIR]     (DIR defaults to $MINEWATCH_PG_DIR)
EOF
  exit 2
}

# Run a server-side binary as the cluster owner: `postgres` when we are root (initdb refuses root).
as_owner() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

superuser_psql() {  # superuser_psql DIR PORT DB [psql args...]; local socket, trust auth
  local dir=$1 port=$2 db=$3
  shift 3
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$port" -U postgres -d "$db" "$@"
}

postmaster_alive() {  # a zombie waiting for its parent (or init) to reap it counts as gone
  local state
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

stop_cluster() {  # stop_cluster DIR: stop the server if running, then delete DIR
  local dir=${1%/}
  [[ -n $dir && -d $dir ]] || die "no such cluster folder: '${1:-}'"
  [[ -f $dir/$MARKER ]] || die "$dir was not made by .ci/postgres.sh (no $MARKER); not touching it"

  local pid=""
  if [[ -f $dir/data/postmaster.pid ]]; then
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  fi
  if [[ -n $pid ]] && postmaster_alive "$pid"; then
    log "postmaster $pid still alive after pg_ctl stop; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -rf -- "$dir"
  log "stopped cluster and removed $dir"
}

STARTING_DIR=""
on_start_exit() {  # EXIT trap while `start` runs: on failure show the server log, then clean up
  local rc=$?
  if [[ $rc -ne 0 && -n $STARTING_DIR && -d $STARTING_DIR ]]; then
    if [[ -f $STARTING_DIR/server.log ]]; then tail -n 30 "$STARTING_DIR/server.log" >&2; fi
    stop_cluster "$STARTING_DIR" || true
  fi
  exit "$rc"
}

start_cluster() {
  [[ -x $PG_BIN/initdb ]] || die "$PG_BIN/initdb not found (install postgresql-15)"
  [[ -f $("$PG_BIN/pg_config" --sharedir)/extension/postgis.control ]] ||
    die "PostGIS for PostgreSQL 15 is not installed (apt-get install postgresql-15-postgis-3)"
  if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to own the cluster"
  fi

  local t0=$SECONDS dir
  # /tmp rather than $TMPDIR: the postgres user must be able to reach the folder.
  dir=$(mktemp -d /tmp/minewatch-pg.XXXXXX)
  touch "$dir/$MARKER"
  mkdir -m 700 "$dir/sock"
  # From here on a failure must not leave a server or a folder behind.
  STARTING_DIR=$dir
  trap on_start_exit EXIT
  if [[ $EUID -eq 0 ]]; then chown -R postgres: "$dir"; fi

  log "initdb in $dir"
  as_owner "$PG_BIN/initdb" -D "$dir/data" --username=postgres --encoding=UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }

  local port attempt
  for attempt in 1 2 3; do  # a port picked by bind(0) can be taken before postgres binds it: retry
    port=$(free_port)
    # postgresql.auto.conf is read last, so these win over postgresql.conf; rewritten on each attempt.
    cat >"$dir/data/postgresql.auto.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    if [[ $EUID -eq 0 ]]; then chown postgres: "$dir/data/postgresql.auto.conf"; fi
    if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
      break
    fi
    [[ $attempt -lt 3 ]] || die "postgres did not start (see server log above)"
    log "start on port $port failed (attempt $attempt); retrying on another port"
  done

  local waited=0
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    ((waited++ < 60)) || die "pg_isready still failing on 127.0.0.1:$port after 30 s"
    sleep 0.5
  done

  local password
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  superuser_psql "$dir" "$port" postgres -v pw="$password" <<EOF
CREATE ROLE $APP_ROLE LOGIN PASSWORD :'pw';
CREATE DATABASE $APP_DB OWNER $APP_ROLE;
EOF
  # PostGIS is not a trusted extension, so the superuser installs it; the app role owns the database
  # (and so schema public) and can read the PostGIS catalogue tables.
  superuser_psql "$dir" "$port" "$APP_DB" <<EOF
CREATE EXTENSION postgis;
GRANT ALL ON SCHEMA public TO $APP_ROLE;
GRANT SELECT ON spatial_ref_sys TO $APP_ROLE;
EOF

  log "cluster up on 127.0.0.1:$port in $((SECONDS - t0)) s (server log: $dir/server.log)"
  superuser_psql "$dir" "$port" "$APP_DB" -At -c 'SELECT version()' >&2
  superuser_psql "$dir" "$port" "$APP_DB" -At -c 'SELECT postgis_full_version()' >&2

  local url="postgresql+psycopg://$APP_ROLE:$password@127.0.0.1:$port/$APP_DB"
  {
    printf 'export MINEWATCH_TEST_POSTGRES_URL=%q\n' "$url"
    printf 'export MINEWATCH_PG_DIR=%q\n' "$dir"
  } | tee "$dir/env"
  trap - EXIT
}

case ${1:-} in
  start) [[ $# -eq 1 ]] || usage; start_cluster ;;
  stop) [[ $# -le 2 ]] || usage; stop_cluster "${2:-${MINEWATCH_PG_DIR:-}}" ;;
  *) usage ;;
esac
