#!/bin/sh
# A throwaway PostgreSQL cluster for the tests. `cluster.sh start DIR` makes one in DIR on a
# free local port with two roles: klaxon_owner, which owns the tables and runs migrations, and
# klaxon_app, the service role klaxond serves with (not the owner, so row-level security
# applies to it). `cluster.sh newdb DIR` makes a fresh database and prints its two URLs as
#   KX_PG_OWNER_URL=...
#   KX_PG_URL=...
# `cluster.sh pause DIR` / `resume DIR` stop and start the server keeping its data (an outage).
# `cluster.sh stop DIR` stops the cluster and removes DIR. Runs the server as `postgres` when
# root (PostgreSQL refuses to run as root).
set -eu
cmd=$1 dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "cluster.sh: no PostgreSQL server (scripts/deps installs it)" >&2; exit 1; }
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
psql() { as_pg "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
pg_start() {
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-p $port -k $dir \
		-c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=300" start >/dev/null
}
case $cmd in
pause)
	as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	;;
resume)
	port=$(cat "$dir/port")
	pg_start
	;;
start)
	mkdir -p "$dir"
	[ "$(id -u)" -ne 0 ] || chown postgres "$dir"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	# C.UTF-8 exists on every Debian; the host's own locale may not be generated.
	as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync --locale=C.UTF-8 \
		--encoding=UTF8 >"$dir/initdb.log" 2>&1
	echo "$port" >"$dir/port"
	pg_start
	psql -d postgres -c "CREATE ROLE klaxon_owner LOGIN; CREATE ROLE klaxon_app LOGIN;"
	;;
newdb)
	port=$(cat "$dir/port")
	db=klaxon_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	psql -d postgres -c "CREATE DATABASE $db OWNER klaxon_owner;"
	psql -d "$db" -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC;" \
		-c "GRANT CREATE, USAGE ON SCHEMA public TO klaxon_owner;" \
		-c "GRANT USAGE ON SCHEMA public TO klaxon_app;" \
		-c "ALTER DEFAULT PRIVILEGES FOR ROLE klaxon_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO klaxon_app;" \
		-c "ALTER DEFAULT PRIVILEGES FOR ROLE klaxon_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO klaxon_app;"
	echo "KX_PG_OWNER_URL=postgresql://klaxon_owner@127.0.0.1:$port/$db"
	echo "KX_PG_URL=postgresql://klaxon_app@127.0.0.1:$port/$db"
	;;
stop)
	[ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: cluster.sh start|newdb|pause|resume|stop DIR" >&2
	exit 2
	;;
esac
