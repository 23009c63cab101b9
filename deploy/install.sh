#!/bin/sh
# deploy/install.sh: install lychgate on a Debian or Ubuntu server.
#
#   make build && sudo deploy/install.sh
#
# It creates the "lychgate" system user, the folders below with their
# ownership, copies the binary, an example configuration (never over an
# existing one) and the systemd unit, and then tells you what is left to do.
# Run it again after `make build` to upgrade the binary; your configuration
# is left alone.
#
#   /usr/local/bin/lychgate          the program              root:root      0755
#   /etc/lychgate/                   configuration            root:lychgate  0750
#   /etc/lychgate/lychgate.toml      the settings             root:lychgate  0640
#   /etc/lychgate/tls/               certificate and key      root:lychgate  0750
#   /etc/lychgate/mis/               MIS exports (CSV)        root:lychgate  0750
#   /var/lib/lychgate/               the service's own files  lychgate:lychgate 0750
#   /etc/systemd/system/lychgate.service
#   /usr/share/doc/lychgate/         README and the example configuration
#
# lychgate can read its configuration but not change it: a compromised
# process cannot rewrite its own rules.
#
# DESTDIR=/some/dir installs into that folder instead of / (for packaging
# or to see what it would do); it then creates no user and changes no
# ownership.
set -eu

cd "$(dirname "$0")/.."
BIN=${BIN:-bin/lychgate}
DESTDIR=${DESTDIR:-}
USER_NAME=lychgate

if [ ! -x "$BIN" ]; then
	echo "install.sh: $BIN not found: run \`make build\` first (it needs Go, see the README)" >&2
	exit 1
fi

if [ -z "$DESTDIR" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install.sh: run as root (sudo deploy/install.sh)" >&2
		exit 1
	fi
	# The home folder exists before the user does; its owner is set below.
	install -d -m 0750 /var/lib/lychgate
	if ! getent passwd "$USER_NAME" >/dev/null; then
		if command -v adduser >/dev/null 2>&1; then
			adduser --system --group --home /var/lib/lychgate --no-create-home \
				--shell /usr/sbin/nologin --gecos "lychgate mail relay" "$USER_NAME" >/dev/null
		else
			useradd --system --user-group --home-dir /var/lib/lychgate --no-create-home \
				--shell /usr/sbin/nologin --comment "lychgate mail relay" "$USER_NAME"
		fi
		echo "created system user $USER_NAME"
	fi
	own_root="-o root -g $USER_NAME"
	own_user="-o $USER_NAME -g $USER_NAME"
	own_bin="-o root -g root"
else
	own_root=""
	own_user=""
	own_bin=""
fi

# shellcheck disable=SC2086 # the ownership options are meant to split
{
	install -d -m 0755 "$DESTDIR/usr/local/bin" "$DESTDIR/etc/systemd/system" "$DESTDIR/usr/share/doc/lychgate"
	install $own_bin -m 0755 "$BIN" "$DESTDIR/usr/local/bin/lychgate"
	install -d $own_root -m 0750 "$DESTDIR/etc/lychgate" "$DESTDIR/etc/lychgate/tls" "$DESTDIR/etc/lychgate/mis"
	install -d $own_user -m 0750 "$DESTDIR/var/lib/lychgate"
	install -m 0644 README.md "$DESTDIR/usr/share/doc/lychgate/README.md"
	install -m 0644 examples/lychgate.toml "$DESTDIR/usr/share/doc/lychgate/lychgate.toml.example"
	install -m 0644 deploy/lychgate.service "$DESTDIR/etc/systemd/system/lychgate.service"
}
echo "installed /usr/local/bin/lychgate ($("$BIN" version 2>/dev/null || echo "version unknown"))"

conf="$DESTDIR/etc/lychgate/lychgate.toml"
if [ -e "$conf" ]; then
	echo "kept your $conf (the new example is /usr/share/doc/lychgate/lychgate.toml.example)"
else
	# The example points its MIS exports at the demo's made-up people;
	# a new installation starts with none.
	sed -E 's@^(staff|pupils|parents)( *)= *"demo-directory/[^"]*"@\1\2= ""@' examples/lychgate.toml >"$conf.new"
	# shellcheck disable=SC2086
	install $own_root -m 0640 "$conf.new" "$conf"
	rm -f "$conf.new"
	echo "wrote $conf: edit every setting marked \"production:\" before starting"
fi

if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload
fi

cat <<EOF

Next:
  1. Edit /etc/lychgate/lychgate.toml (relay.hostname, listen, trusted_networks,
     next_hop, redis, your schools). Put the TLS certificate and key in
     /etc/lychgate/tls/ (readable by group lychgate) and the MIS exports in
     /etc/lychgate/mis/.
  2. Redis with persistence: apt-get install redis-server, then in
     /etc/redis/redis.conf set "appendonly yes" and "appendfsync everysec".
  3. lychgate config check /etc/lychgate/lychgate.toml
  4. systemctl enable --now lychgate; journalctl -u lychgate -f
EOF
