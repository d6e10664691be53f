# SPDX-License-Identifier: GPL-3.0-or-later
# A private PostgreSQL for the benchmarks, as the tests start one
# (tests/lib/postgres.c): initdb into a scratch directory, postgres on
# 127.0.0.1 and a free port, run as "nobody" when we are root; stopped
# by pg_stop (the benchmarks call it from a trap). Sourced, not run.
# pg_start DIR: sets PG_BIN, PG_PORT, PG_URI (superuser "bench", no
# password over 127.0.0.1: trust, for a throwaway cluster).

pg_bin() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

# Runs a command as the server's user.
pg_as() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

pg_start() {
  PG_DIR=$1
  PG_BIN=$(pg_bin) || { echo "PostgreSQL (initdb) is not installed" >&2; return 1; }
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown nobody "$PG_DIR"
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U bench --auth=trust -E UTF8 \
    --no-locale -N >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; return 1; }
  PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # Settings a dedicated small server would have; durability as shipped.
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w \
    -o "-p $PG_PORT -h 127.0.0.1 -k $PG_DIR -c shared_buffers=512MB -c work_mem=64MB -c max_wal_size=4GB" \
    start >/dev/null || { cat "$PG_DIR/postgres.log" >&2; return 1; }
  PG_URI="postgresql://bench@127.0.0.1:$PG_PORT/postgres"
}

# pg_createdb NAME: a new database; prints its URI.
pg_createdb() {
  psql -q -X "$PG_URI" -c "CREATE DATABASE \"$1\"" >/dev/null &&
    echo "postgresql://bench@127.0.0.1:$PG_PORT/$1"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] &&
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
  [ -n "${PG_DIR:-}" ] && rm -rf "$PG_DIR"
  PG_DIR=
}
