#!/bin/sh
# Installs the demo notepad in a Kimberley base VM; run by the guest agent
# from the install floppy (kimberlize -i tests/vm/demo_app):  sh install.sh DIR
set -e
src=$1
mkdir -p /opt/app
cp "$src/notepad" /opt/app/run
chmod 755 /opt/app/run
# first run: restart tty1's program, which now starts the app
rm -f /tmp/app.ready
kill "$(cat /run/tty1.pid)"
i=0
while [ ! -e /tmp/app.ready ] && [ $i -lt 150 ]; do usleep 100000; i=$((i + 1)); done
[ -e /tmp/app.ready ]
echo "demo notepad installed and running on tty1"
