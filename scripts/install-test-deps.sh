#!/usr/bin/env bash
# Installs the real peers the tests talk to: redis-server, swaks, and
# Postfix (its smtp-sink/smtp-source, and the postfix daemon itself for the
# deployment test cmd/lychgate/postfix_e2e_test.go, which runs its own
# private instance; that test needs root, as CI has). Idempotent; does
# nothing when everything is present.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v swaks >/dev/null 2>&1 || need+=(swaks)
{ { command -v smtp-sink >/dev/null 2>&1 || [ -x /usr/sbin/smtp-sink ]; } &&
  { command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ]; }; } || need+=(postfix)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing test dependencies: ${need[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# postfix asks how to configure itself; answer "No configuration" and keep it stopped.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts the system redis on install; the tests start their own on
# free ports, so stop the one this script caused to run. With "No
# configuration" Postfix's system instance does not start.
if [[ " ${need[*]} " == *" redis-server "* ]]; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
  elif command -v service >/dev/null 2>&1; then
    $SUDO service redis-server stop >/dev/null 2>&1 || true
  fi
fi
