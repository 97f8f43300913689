# Shared by scripts/test and scripts/bench: a throwaway PostgreSQL cluster.

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Starts a cluster on a free port of 127.0.0.1, stopped and deleted when the script exits, and
# sets PG_URL to its admin URL. Arguments are extra server settings, such as `-c fsync=off`.
start_throwaway_postgres() {
  PG_BIN=$(pg_bin)
  pg_dir=$(mktemp -d /tmp/voxhive-pg.XXXXXX)
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  [ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
  trap stop_throwaway_postgres EXIT
  run_pg "$PG_BIN/initdb" -D "$pg_dir/data" -A trust -U voxhive >/dev/null
  run_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=200 $*" start >/dev/null
  PG_URL="postgres://voxhive@127.0.0.1:$port/postgres"
  echo "== PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_throwaway_postgres() {
  run_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
