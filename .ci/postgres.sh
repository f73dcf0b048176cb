#!/usr/bin/env bash
# Install (if needed) and start Debian's PostgreSQL for the store tests, and set MICROCUE_TEST_PG_URL.
#
#   source .ci/postgres.sh          # exports MICROCUE_TEST_PG_URL in this shell (returns 1 on failure, never exits it)
#   eval "$(.ci/postgres.sh)"       # the same from a subprocess: stdout is only the `export ...` line
#
# Progress goes to stderr. Idempotent: a second run finds the package installed, the cluster running and the
# role/database present, and takes under a second. Needs root (CI runs as root) and apt for the first install.
# Settings (env): MICROCUE_PG_USER / MICROCUE_PG_PASSWORD / MICROCUE_PG_DB (default microcue/microcue/microcue_test).
# The store tests drop and re-create their tables in that database.

_microcue_pg_setup() (
  set -euo pipefail
  log() { echo "postgres.sh: $*" >&2; }

  user="${MICROCUE_PG_USER:-microcue}"
  password="${MICROCUE_PG_PASSWORD:-microcue}"
  db="${MICROCUE_PG_DB:-microcue_test}"

  if [ "$(id -u)" != 0 ]; then
    log "must run as root (installs and starts the system postgresql)"; exit 1
  fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || { log "no postgresql and no apt-get to install it"; exit 1; }
    log "installing postgresql with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
  fi

  version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
  cluster() { pg_lsclusters -h | awk -v v="$version" -v col="$1" '$1 == v && $2 == "main" {print $col}'; }
  if [ -z "$(cluster 2)" ]; then
    log "creating cluster $version/main"
    pg_createcluster "$version" main >&2
  fi
  port="$(cluster 3)"
  if [ "$(cluster 4)" != "online" ]; then
    log "starting cluster $version/main on port $port"
    pg_ctlcluster "$version" main start >&2
  fi
  for _ in $(seq 1 50); do  # a fresh start takes a moment
    runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$port" && break
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
  log "ready: postgresql $version on 127.0.0.1:$port, database $db"
  echo "postgresql+psycopg://$user:$password@127.0.0.1:$port/$db"
)

if _microcue_pg_url="$(_microcue_pg_setup)"; then
  export MICROCUE_TEST_PG_URL="$_microcue_pg_url"
  unset _microcue_pg_url
  if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "export MICROCUE_TEST_PG_URL='$MICROCUE_TEST_PG_URL'"
  else
    echo "postgres.sh: MICROCUE_TEST_PG_URL=$MICROCUE_TEST_PG_URL" >&2
  fi
else
  unset _microcue_pg_url
  # sourced: return without ending the caller's shell; run: exit non-zero
  return 1 2>/dev/null || exit 1
fi
