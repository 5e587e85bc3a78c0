#!/usr/bin/env bash
# `make stack`: the whole stack on one machine, no Docker, no AWS account.
#
# 1. PostgreSQL: as root with PostgreSQL 15 (cluster 15/main), scripts/pg-replica.sh up
#    (starts the primary if needed, role/database shop/shop, streaming replica on
#    :5433); otherwise the PostgreSQL already on 127.0.0.1:5432, creating role and
#    database shop/shop through the postgres role when they are missing (trust auth).
# 2. Redis: the one on 127.0.0.1:6379, else redis-server under honcho.
# 3. Writes the environment to var/stack/env and runs Procfile.stack with honcho:
#    moto server (SQS, SNS, EventBridge, S3), gunicorn (after scripts/stack.py setup),
#    celery worker and beat, one consumer per notification channel, the order
#    tracking projector (DynamoDB on moto; the order page reads it).
# Ctrl-C stops what this started, and only that: honcho's processes, the replica
# and the primary when they were not running before.
#
# Ports: WEB_PORT (default 8000), MOTO_PORT (default 5000).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-.venv}
export PATH="$(cd "$VENV/bin" && pwd):$PATH"
STACK_DIR=$ROOT/var/stack
WEB_PORT=${WEB_PORT:-8000}
MOTO_PORT=${MOTO_PORT:-5000}
PG_URL=postgres://shop:shop@127.0.0.1:5432/shop
REPLICA_URL=postgres://shop:shop@127.0.0.1:5433/shop

say() { echo "stack: $*"; }
die() { echo "stack: $*" >&2; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for port in "$WEB_PORT" "$MOTO_PORT"; do
  ! port_open "$port" || die "127.0.0.1:$port is taken (another stack?); set WEB_PORT / MOTO_PORT"
done
command -v honcho >/dev/null || die "honcho is missing from $VENV: run make install"

# --- PostgreSQL -----------------------------------------------------------------
replica_urls=""
pg_stop=""            # what to stop on exit: "", "down replica" or "down"
cleanup() {
  rm -f "$STACK_DIR/ready"
  if [ -n "$pg_stop" ]; then
    say "stopping the PostgreSQL processes this stack started"
    # shellcheck disable=SC2086
    bash scripts/pg-replica.sh $pg_stop || true
  fi
}
shop_login() { psql "$PG_URL" -XAtqc 'select 1' >/dev/null 2>&1; }
if [ "$(id -u)" = 0 ] && pg_lsclusters -h 2>/dev/null | awk '$1==15 && $2=="main"' | grep -q .; then
  primary_was_up=0; port_open 5432 && primary_was_up=1
  replica_was_up=0; port_open 5433 && replica_was_up=1
  if [ "$replica_was_up" = 0 ]; then
    if [ "$primary_was_up" = 0 ]; then pg_stop="down"; else pg_stop="down replica"; fi
  fi
  trap cleanup EXIT   # from here on: an interrupted start stops what it started too
  if bash scripts/pg-replica.sh up; then
    replica_urls=$REPLICA_URL
  else
    say "no read replica: scripts/pg-replica.sh up failed (see above); the primary only"
  fi
elif port_open 5432; then
  say "no read replica: scripts/pg-replica.sh needs root and PostgreSQL 15 (cluster 15/main)"
  if ! shop_login; then
    psql -h 127.0.0.1 -U postgres -XAtq -v ON_ERROR_STOP=1 -c \
      "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='shop') THEN
         CREATE ROLE shop LOGIN CREATEDB PASSWORD 'shop'; END IF; END\$\$;" \
      && { psql -h 127.0.0.1 -U postgres -XAtqc "select 1 from pg_database where datname='shop'" | grep -q 1 \
           || psql -h 127.0.0.1 -U postgres -XAtqc "CREATE DATABASE shop OWNER shop"; } \
      || true
  fi
else
  die "no PostgreSQL on 127.0.0.1:5432. Install PostgreSQL 15 (apt-get install postgresql) and run this as root, or start one there"
fi
shop_login || die "cannot sign in to $PG_URL: create role and database shop (password shop), e.g. with sudo bash scripts/pg-replica.sh up"

trap cleanup EXIT

# --- Redis ------------------------------------------------------------------------
processes="moto web worker beat notify-email notify-sms order-tracking"
# FULFILMENT_ENGINE=stepfunctions make stack: moto runs the state machine and the
# `fulfil` process (consume_fulfilment) does the steps (docs/stack.md).
FULFILMENT_ENGINE=${FULFILMENT_ENGINE:-celery}
if [ "$FULFILMENT_ENGINE" = stepfunctions ]; then
  processes="$processes fulfil"
fi
redis_url=redis://127.0.0.1:6379/1
if port_open 6379; then
  say "Redis: using the one on 127.0.0.1:6379 (database 1)"
elif command -v redis-server >/dev/null; then
  processes="redis $processes"
else
  say "no Redis (apt-get install redis-server): each process caches in local memory"
  redis_url=""
fi

# --- environment --------------------------------------------------------------------
mkdir -p "$STACK_DIR/mail"
rm -rf "$STACK_DIR/prometheus" && mkdir -p "$STACK_DIR/prometheus"
cat > "$STACK_DIR/env" <<EOF
# Written by scripts/stack.sh; \`set -a; . var/stack/env; set +a\` to run manage.py against the stack.
DJANGO_SETTINGS_MODULE=securecart.settings.local
DATABASE_URL=$PG_URL
DATABASE_REPLICA_URLS=$replica_urls
REDIS_URL=$redis_url
CELERY_BROKER_URL=sqs://
SQS_PREDEFINED_QUEUES=1
AWS_ACCOUNT_ID=123456789012
AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
AWS_ACCESS_KEY_ID=testing
AWS_SECRET_ACCESS_KEY=testing
AWS_REGION=us-east-1
AWS_DEFAULT_REGION=us-east-1
AWS_STORAGE_BUCKET_NAME=securecart-media
SNS_ORDER_EVENTS_TOPIC_ARN=arn:aws:sns:us-east-1:123456789012:securecart-order-events
EVENT_BUS_NAME=securecart-orders
FULFILMENT_ENGINE=$FULFILMENT_ENGINE
FULFILMENT_STATE_MACHINE_ARN=arn:aws:states:us-east-1:123456789012:stateMachine:securecart-fulfilment
ORDER_TRACKING_STORE=dynamodb
DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
DJANGO_EMAIL_FILE_PATH=$STACK_DIR/mail
PROMETHEUS_MULTIPROC_DIR=$STACK_DIR/prometheus
PYTHONUNBUFFERED=1
STACK_DIR=$STACK_DIR
WEB_PORT=$WEB_PORT
MOTO_PORT=$MOTO_PORT
EOF
set -a
# shellcheck disable=SC1091
. "$STACK_DIR/env"
set +a
export STACK_RUN_ID="$$-$(date +%s%N)"
rm -f "$STACK_DIR/ready"

cat <<EOF
stack: starting ${processes// /, } (honcho, Procfile.stack)
stack:   store   http://127.0.0.1:$WEB_PORT/    admin http://127.0.0.1:$WEB_PORT/admin/ (staff / ${DEMO_STAFF_PASSWORD:-securecart-demo})
stack:   moto    http://127.0.0.1:$MOTO_PORT/moto-api/    emails in $STACK_DIR/mail/
stack:   database $PG_URL${replica_urls:+ (replica $replica_urls)}    redis ${redis_url:-none}
stack: Ctrl-C stops all of it.
EOF

# honcho in the background, so that a signal to this script reaches it too; wait
# until it has stopped its processes, then clean up (trap above).
# shellcheck disable=SC2086
honcho -f Procfile.stack -e "$STACK_DIR/env" start $processes &
honcho_pid=$!
trap 'kill -TERM "$honcho_pid" 2>/dev/null || true' INT TERM HUP
rc=0
while kill -0 "$honcho_pid" 2>/dev/null; do
  wait "$honcho_pid" || rc=$?
done
say "stopped (honcho exit $rc)"
exit "$rc"
