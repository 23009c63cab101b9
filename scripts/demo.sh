#!/usr/bin/env bash
# `make run`: a working lychgate on this machine.
#   - Redis on 127.0.0.1:6390 with AOF persistence under ./var/redis
#     (installed with apt-get when missing)
#   - a demo next hop (the "school mail server") on 127.0.0.1:2626 that writes
#     every delivered message to ./var/delivered
#   - lychgate on 127.0.0.1:2525 with examples/lychgate.toml
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${LYCHGATE_CONFIG:-examples/lychgate.toml}
VAR=$PWD/var
mkdir -p "$VAR/redis" "$VAR/delivered"

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server not found: installing it (apt-get install -y redis-server)"
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq redis-server >/dev/null
fi
command -v swaks >/dev/null 2>&1 || echo "(tip: apt-get install swaks to send test mail as below)"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  redis-cli -p 6390 shutdown >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

if redis-cli -p 6390 ping >/dev/null 2>&1; then
  echo "redis: already running on 127.0.0.1:6390"
else
  redis-server --port 6390 --bind 127.0.0.1 --dir "$VAR/redis" --appendonly yes \
    --appendfsync everysec --save "" --daemonize yes --logfile "$VAR/redis/redis.log" >/dev/null
  for _ in $(seq 50); do redis-cli -p 6390 ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "redis: started on 127.0.0.1:6390 (data and AOF in var/redis)"
fi

bin/lychgate-sink -listen 127.0.0.1:2626 -dir "$VAR/delivered" &
pids+=($!)

bin/lychgate config check "$CONFIG"

cat <<MSG

lychgate demo is starting on 127.0.0.1:2525 (config: $CONFIG).

Send a clean message (delivered to the demo mail server, written to var/delivered/):
  swaks --server 127.0.0.1:2525 --from parent@example.com --to head@stlaurence.example.sch.uk \\
        --header "Subject: Hello" --body "See you at sports day."

Send one that breaks the demo safeguarding rule (quarantined in Redis):
  swaks --server 127.0.0.1:2525 --from stranger@example.com --to pupil1@stlaurence.example.sch.uk \\
        --header "Subject: hi" --body "this contains the example phrase"

Then look:
  ls var/delivered/
  bin/lychgate quarantine list --config $CONFIG
  bin/lychgate quarantine show --config $CONFIG <ID>

MSG
bin/lychgate serve --config "$CONFIG" &
pids+=($!)
wait "${pids[-1]}"
