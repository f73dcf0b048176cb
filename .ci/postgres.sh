#!/usr/bin/env bash
# Install (if needed) and start Debian's PostgreSQL for the store tests, then print the URL to use.
#
#   eval "$(.ci/postgres.sh)"        # exports MICROCUE_TEST_PG_URL for the test run
#
# stdout carries only the `export MICROCUE_TEST_PG_URL=...` line; progress goes to stderr. Idempotent: a second
# run finds the package installed, the cluster running and the role/database present, and takes ~1 s.
# Needs root (CI runs as root) and apt for the first install. Settings (env): PGPORT_WANTED (default: the
# cluster's port), MICROCUE_PG_USER / MICROCUE_PG_PASSWORD / MICROCUE_PG_DB (default microcue/microcue/microcue_test).
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

user="${MICROCUE_PG_USER:-microcue}"
password="${MICROCUE_PG_PASSWORD:-microcue}"
db="${MICROCUE_PG_DB:-microcue_test}"

if [ "$(id -u)" != 0 ]; then
  log "must run as root (installs and starts the system postgresql)"; exit 1
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing postgresql with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {found=1} END {exit !found}'; then
  log "creating cluster $version/main"
  pg_createcluster "$version" main >&2
fi

status="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}')"
port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')"
if [ "$status" != "online" ]; then
  log "starting cluster $version/main on port $port"
  pg_ctlcluster "$version" main start >&2
fi

# wait until it accepts connections (a fresh start takes a moment)
for _ in $(seq 1 50); do
  if runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$port"; then break; fi
  sleep 0.2
done
runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$port" || { log "postgresql did not come up on port $port"; exit 1; }

psql_su() { runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -qtAX "$@"; }

if [ "$(psql_su -c "SELECT 1 FROM pg_roles WHERE rolname = '$user'")" != 1 ]; then
  log "creating role $user"
  psql_su -c "CREATE ROLE \"$user\" LOGIN PASSWORD '$password'"
else
  psql_su -c "ALTER ROLE \"$user\" LOGIN PASSWORD '$password'"
fi
if [ "$(psql_su -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
  log "creating database $db"
  psql_su -c "CREATE DATABASE \"$db\" OWNER \"$user\""
fi

url="postgresql+psycopg://$user:$password@127.0.0.1:$port/$db"
log "ready: postgresql $version on 127.0.0.1:$port, database $db"
echo "export MICROCUE_TEST_PG_URL='$url'"
