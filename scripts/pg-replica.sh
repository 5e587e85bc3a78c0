#!/bin/bash
# Idempotent: PostgreSQL 15 primary (Debian cluster 15/main, 127.0.0.1:5432)
# + hot-standby streaming replica (pg_basebackup -R) on 127.0.0.1:5433 under $PG_REPLICA_DIR (default /tmp/pg-replica).
# Run as root.  Usage: pg-replica.sh [up|down [replica]|status]   (default: up)
# `down` stops what `up` started: always the replica (only this script makes it) and
# the primary only when `up` had to start it (marker $PG_REPLICA_DIR/primary-started-by-up);
# `down replica` stops the replica alone. It prints what it stopped and what it left.
# Primary: wal_level=replica and max_wal_senders=10 are Debian 15's defaults. The
# pg_hba.conf of some machines (trust-only, no replication line) lacks a replication
# entry: step 1 appends one for the replicator role and reloads when it is missing.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
BASE=${PG_REPLICA_DIR:-/tmp/pg-replica}
RDATA=$BASE/replica
RRUN=$BASE/run
RLOG=$BASE/replica.log
PRIMARY_MARK=$BASE/primary-started-by-up
PPORT=5432
RPORT=5433
REPL_USER=replicator
REPL_PASS=replicator
APP_USER=shop
APP_PASS=shop
APP_DB=shop

as_pg() { runuser -u postgres -- "$@"; }
psql_p() { as_pg psql -X -q -v ON_ERROR_STOP=1 -p "$PPORT" -Atc "$1"; }   # primary, unix socket
psql_r() { as_pg psql -X -q -h "$RRUN" -p "$RPORT" -Atc "$1"; }           # replica, unix socket

replica_running() { as_pg "$PGBIN/pg_ctl" -D "$RDATA" status >/dev/null 2>&1; }

primary_online() { pg_lsclusters -h | awk '$1==15 && $2=="main" {print $4}' | grep -q online; }

down() {
  local scope=${1:-all}
  if [ -d "$RDATA" ] && replica_running; then
    as_pg "$PGBIN/pg_ctl" -D "$RDATA" -m fast -w -t 20 stop >/dev/null
    echo "replica 127.0.0.1:$RPORT stopped"
  else
    echo "replica 127.0.0.1:$RPORT was not running"
  fi
  if ! primary_online; then
    rm -f "$PRIMARY_MARK"
    echo "primary 127.0.0.1:$PPORT was not running"
  elif [ "$scope" = all ] && [ -f "$PRIMARY_MARK" ]; then
    pg_ctlcluster 15 main stop -m fast
    rm -f "$PRIMARY_MARK"
    echo "primary 127.0.0.1:$PPORT (cluster 15/main) stopped: \`up\` had started it"
  elif [ -f "$PRIMARY_MARK" ]; then
    echo "primary 127.0.0.1:$PPORT left running (\`up\` started it; \`$0 down\` stops it)"
  else
    echo "primary 127.0.0.1:$PPORT left running: it was running before \`up\`" \
         "(pg_ctlcluster 15 main stop stops it)"
  fi
}

status() {
  pg_lsclusters
  if [ -d "$RDATA" ] && replica_running; then
    echo "replica: running on $RPORT, in_recovery=$(psql_r 'select pg_is_in_recovery()'), receiver=$(psql_r 'select status from pg_stat_wal_receiver')"
  else
    echo "replica: not running"
  fi
  psql_p "select application_name, state, sync_state, replay_lag from pg_stat_replication" 2>/dev/null || true
}

# The primary streams to the replica, seen twice in a row within 6 s. A replica
# that was stopped while the primary recycled the WAL it still needs never gets
# there (its receiver fails with "requested WAL segment ... has already been
# removed"): up then rebuilds it.
streaming() {
  local q="select count(*) from pg_stat_replication where application_name='replica$RPORT' and state='streaming'"
  local seen=0
  for _ in $(seq 12); do
    if [ "$(psql_p "$q")" -ge 1 ]; then seen=$((seen + 1)); else seen=0; fi
    [ "$seen" -ge 2 ] && return 0
    sleep 0.5
  done
  return 1
}

up() {
  local t0=$SECONDS
  # 1. primary
  if ! primary_online; then
    pg_ctlcluster 15 main start
    mkdir -p "$BASE" && touch "$PRIMARY_MARK"
  fi
  for _ in $(seq 50); do as_pg pg_isready -q -p "$PPORT" && break; sleep 0.2; done
  [ "$(psql_p 'show wal_level')" != "minimal" ] || { echo "wal_level=minimal on primary" >&2; exit 1; }
  local hba
  hba=$(psql_p 'show hba_file')
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication' "$hba"; then
    echo "host replication $REPL_USER 127.0.0.1/32 scram-sha-256" >> "$hba"
    psql_p "select pg_reload_conf()" >/dev/null
  fi

  # 2. roles + app database (idempotent)
  psql_p "DO \$\$BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='$REPL_USER') THEN
      CREATE ROLE $REPL_USER WITH REPLICATION LOGIN PASSWORD '$REPL_PASS'; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='$APP_USER') THEN
      CREATE ROLE $APP_USER WITH LOGIN CREATEDB PASSWORD '$APP_PASS'; END IF;
  END\$\$;"
  if [ -z "$(psql_p "select 1 from pg_database where datname='$APP_DB'")" ]; then
    psql_p "CREATE DATABASE $APP_DB OWNER $APP_USER"
  fi
  # Replica-lag tests pause/resume WAL replay on the standby as the app role. Function
  # grants live per database: template1 (so test databases inherit them) and the app DB.
  for db in template1 "$APP_DB"; do
    as_pg psql -X -q -v ON_ERROR_STOP=1 -p "$PPORT" -d "$db" -Atc \
      "GRANT EXECUTE ON FUNCTION pg_wal_replay_pause(), pg_wal_replay_resume() TO $APP_USER"
  done

  # 3. replica: keep it if it is a healthy standby of *this* primary, else rebuild
  mkdir -p "$BASE" "$RRUN"; chown postgres:postgres "$BASE" "$RRUN"
  local healthy=0
  if [ -f "$RDATA/standby.signal" ]; then
    replica_running || as_pg "$PGBIN/pg_ctl" -D "$RDATA" -l "$RLOG" -w -t 15 start >/dev/null 2>&1 || true
    if replica_running \
       && [ "$(psql_r 'select pg_is_in_recovery()' 2>/dev/null)" = "t" ] \
       && [ "$(psql_r 'select system_identifier from pg_control_system()' 2>/dev/null)" = \
            "$(psql_p 'select system_identifier from pg_control_system()')" ] \
       && streaming; then
      healthy=1
    fi
  fi
  if [ "$healthy" = 0 ]; then
    if [ -d "$RDATA" ]; then
      replica_running && as_pg "$PGBIN/pg_ctl" -D "$RDATA" -m immediate -w stop >/dev/null 2>&1 || true
      rm -rf "$RDATA"
    fi
    # -R writes standby.signal + primary_conninfo; -X stream copies WAL during the backup
    as_pg env PGPASSWORD="$REPL_PASS" "$PGBIN/pg_basebackup" \
      -d "host=127.0.0.1 port=$PPORT user=$REPL_USER application_name=replica$RPORT" \
      -D "$RDATA" -R -X stream -c fast --no-sync
    # Debian keeps postgresql.conf/pg_hba.conf in /etc, so the copy has none: write minimal ones.
    cat > "$RDATA/postgresql.conf" <<EOF
port = $RPORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RRUN'
hot_standby = on
hot_standby_feedback = on
max_connections = 100          # must be >= primary's
shared_buffers = 32MB
fsync = off                    # test-only
logging_collector = off
EOF
    cat > "$RDATA/pg_hba.conf" <<EOF
local   all   all                    peer
host    all   all   127.0.0.1/32     scram-sha-256
EOF
    chown postgres:postgres "$RDATA/postgresql.conf" "$RDATA/pg_hba.conf"
    as_pg "$PGBIN/pg_ctl" -D "$RDATA" -l "$RLOG" -w -t 20 start >/dev/null
  fi

  # 4. wait until the primary reports a streaming walsender
  for _ in $(seq 100); do
    [ "$(psql_p "select count(*) from pg_stat_replication where state='streaming'")" -ge 1 ] && break
    sleep 0.1
  done
  echo "primary 127.0.0.1:$PPORT  replica 127.0.0.1:$RPORT  (in_recovery=$(psql_r 'select pg_is_in_recovery()'), " \
       "wal_receiver=$(psql_r 'select status from pg_stat_wal_receiver'), rebuilt=$((1-healthy)), $((SECONDS-t0))s)"
}

case "${1:-up}" in
  up) up ;;
  down)
    case "${2:-all}" in
      all|replica) down "${2:-all}" ;;
      *) echo "usage: $0 down [replica]" >&2; exit 2 ;;
    esac ;;
  status) status ;;
  *) echo "usage: $0 [up|down [replica]|status]" >&2; exit 2 ;;
esac
