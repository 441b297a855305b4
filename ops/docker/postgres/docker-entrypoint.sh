#!/bin/bash
# Entrypoint of the locally built PostgreSQL image, behaving like the official image's for what FactDesk uses:
# POSTGRES_USER, POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB, POSTGRES_INITDB_ARGS, scripts in
# /docker-entrypoint-initdb.d on first start, then `postgres -c listen_addresses='*' "$@"` as the postgres user.
set -Eeo pipefail

# `docker run image -c fsync=off` (Testcontainers' way) means postgres with those options.
if [ "${1:0:1}" = '-' ] || [ $# -eq 0 ]; then set -- postgres "$@"; fi

if [ "$1" != postgres ]; then exec "$@"; fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 2775 /var/run/postgresql
  # setpriv execs in place (no parent process left behind), so postgres stays PID 1 and gets docker's stop signal.
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_USER:=postgres}"
  : "${POSTGRES_DB:=$POSTGRES_USER}"
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
    echo "Database is uninitialized and superuser password is not specified: set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)." >&2
    exit 1
  fi
  auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  # shellcheck disable=SC2086
  initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host="$auth" \
    --encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-} >/dev/null
  rm -f "$pwfile"
  printf 'host all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

  # A server on the socket only while the database and the init scripts are set up: nothing outside sees it ready.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
  psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  if [ "$POSTGRES_DB" != postgres ]; then
    "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" -q <<<"create database :\"db\";"
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
      *.sql) "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "PostgreSQL init process complete; ready for start up."
fi

shift
exec postgres -c listen_addresses='*' "$@"
