#!/usr/bin/env bash
# `make run`: a working lychgate on this machine.
#   - Redis on 127.0.0.1:6390 with AOF persistence under ./var/redis
#     (installed with apt-get when missing)
#   - a demo next hop (the "school mail server") on 127.0.0.1:2626 that writes
#     every delivered message to ./var/delivered
#   - lychgate on 127.0.0.1:2525 with examples/lychgate.toml, which reads the
#     made-up staff, pupils and parents in examples/demo-directory/
# Ctrl-C stops what this script started, and nothing else: a Redis that was
# already listening on 6390 keeps running.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${LYCHGATE_CONFIG:-examples/lychgate.toml}
VAR=$PWD/var
REDIS_PORT=6390
mkdir -p "$VAR/redis" "$VAR/delivered"

SUDO=""
[ "$(id -u)" != 0 ] && SUDO=sudo

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server not found: installing it (apt-get install -y redis-server)"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  # Debian starts (and enables) its own Redis on port 6379 when the package
  # is installed. The demo uses its own on $REDIS_PORT, so stop the one we
  # just caused to run; a Redis you installed yourself is left alone.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
    echo "redis: stopped and disabled the system redis-server the install started (systemctl enable --now redis-server to undo)"
  elif command -v service >/dev/null 2>&1; then
    $SUDO service redis-server stop >/dev/null 2>&1 || true
  fi
fi
command -v swaks >/dev/null 2>&1 || echo "(tip: apt-get install swaks to send test mail as below)"

pids=()
started_redis=""
cleanup() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$started_redis" ]; then
    redis-cli -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
    echo "redis: stopped the demo Redis on 127.0.0.1:$REDIS_PORT (data kept in var/redis)"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "redis: already running on 127.0.0.1:$REDIS_PORT (not started by this script, so it is left running)"
else
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$VAR/redis" --appendonly yes \
    --appendfsync everysec --save "" --daemonize yes --logfile "$VAR/redis/redis.log" \
    --pidfile "$VAR/redis/redis.pid" >/dev/null
  started_redis=yes
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "redis: started on 127.0.0.1:$REDIS_PORT (data and AOF in var/redis)"
fi

bin/lychgate-sink -listen 127.0.0.1:2626 -dir "$VAR/delivered" &
pids+=($!)

bin/lychgate config check "$CONFIG"

# A demo DSL account for the review page (kept in the demo Redis).
DEMO_USER=dsl
DEMO_PASSWORD=demo-dsl-password
if echo "$DEMO_PASSWORD" | bin/lychgate user add --config "$CONFIG" --username "$DEMO_USER" --role dsl \
    --school stlaurence --school stmary-juniors >/dev/null 2>&1; then
  echo "review page: created the demo account $DEMO_USER"
fi

cat <<MSG

lychgate demo is starting on 127.0.0.1:2525 (config: $CONFIG).

Send a clean message (delivered to the demo mail server, written to var/delivered/):
  swaks --server 127.0.0.1:2525 --from parent@example.com --to head@stlaurence.example.sch.uk \\
        --header "Subject: Hello" --body "See you at sports day."

Send one that breaks the demo safeguarding rule (quarantined in Redis, the DSL alerted):
  swaks --server 127.0.0.1:2525 --from stranger@example.com --to pupil1@stlaurence.example.sch.uk \\
        --header "Subject: hi" --body "this contains the example phrase"

A teacher writes to a parent and gives out her personal Gmail address
(examples/demo-directory/ lists jane.smith84@gmail.com as Jane Smith's, and
sarah.jones77@gmail.com as Amy's mother): delivered, and Jane gets a warning
at her school address explaining the personal-address policy:
  swaks --server 127.0.0.1:2525 --from jane.smith@staff.stlaurence.example.sch.uk --to sarah.jones77@gmail.com \\
        --header "Subject: Amy's reading book" \\
        --body "Hi Sarah, Amy left her reading book in class. Over the holidays you can reach me at jane.smith84@gmail.com. Jane"

Review it in the browser: http://127.0.0.1:8025  (user $DEMO_USER, password $DEMO_PASSWORD)
  sign in, open the held message, read why it was held, release or delete it.

Then look:
  ls var/delivered/
  grep -l "X-Lychgate-Notification: warning" var/delivered/*    # Jane's warning
  bin/lychgate quarantine list --config $CONFIG
  bin/lychgate quarantine show --config $CONFIG <ID>

MSG
bin/lychgate serve --config "$CONFIG" &
pids+=($!)
wait "${pids[-1]}"
