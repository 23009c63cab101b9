#!/usr/bin/env bash
# Installs the real peers the tests talk to: redis-server and redis-cli, swaks,
# Postfix's smtp-sink/smtp-source, ClamAV's clamd (the antivirus tests
# start their own clamd with a signature file they write; no downloads), and
# Chromium for the review UI's browser tests (web/browser_test.go).
# Idempotent; does nothing when present.
set -euo pipefail
need=()
# The Postfix deployment test (cmd/lychgate/postfix_e2e_test.go) runs the
# postfix daemon itself, in a private instance; it needs root, as CI has.
{ command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ]; } || need+=(postfix)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# redis-cli joins the test Redis Cluster and triggers failovers (internal/testutil/redistest).
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v swaks >/dev/null 2>&1 || need+=(swaks)
{ command -v smtp-sink >/dev/null 2>&1 || [ -x /usr/sbin/smtp-sink ]; } || need+=(postfix)
{ command -v clamd >/dev/null 2>&1 || [ -x /usr/sbin/clamd ]; } || need+=(clamav-daemon)
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
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
# Debian starts the system redis on install; the tests start their own on free ports.
# Debian may also start clamav-daemon and clamav-freshclam; the tests do not use them.
if command -v systemctl >/dev/null 2>&1; then
  $SUDO systemctl stop clamav-daemon clamav-freshclam >/dev/null 2>&1 || true
fi
