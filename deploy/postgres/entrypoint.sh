#!/bin/sh
# Initialise the cluster on first start (superuser POSTGRES_USER with POSTGRES_PASSWORD, database
# POSTGRES_DB, password logins from the network), then run the server as the postgres user.
set -eu
bin=$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)
data=${PGDATA:-/var/lib/postgresql/data}
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
mkdir -p "$data"
chown postgres:postgres "$data"
chmod 700 "$data"
if [ ! -s "$data/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
  chown postgres "$pwfile"
  runuser -u postgres -- "$bin/initdb" -D "$data" -U "$user" --pwfile="$pwfile" \
    --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' \
    >>"$data/pg_hba.conf"
  if [ "$db" != "postgres" ]; then
    # Single-user mode runs as the bootstrap superuser ($user); nothing listens yet.
    echo "CREATE DATABASE \"$db\" OWNER \"$user\"" |
      runuser -u postgres -- "$bin/postgres" --single -D "$data" postgres >/dev/null
  fi
fi
exec runuser -u postgres -- "$bin/postgres" -D "$data" -c listen_addresses='*' "$@"
