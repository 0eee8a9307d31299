#!/usr/bin/env bash
# QEMU dies mid-session (issue 10 item 24, the VM backend): the display ends
# the session by itself (the viewer's connection closes within seconds),
# the person is told the session could not end cleanly (not that the app
# could not start), the floppy is unchanged, and nothing of the session is
# left: spool empty, no x11vnc or script running.
. "$(dirname "$0")/lib.sh"
tap_plan 8
vm_setup
ENDED_WITHIN=15
vm_cache; tap_ok $? "base VM and demo patch built (or taken from the cache)"
start_xvfb; tap_ok $? "Xvfb is the display's screen"
mkdir -p "$W/mobile"
start_display
"$S/make_floppy" -o "$W/mobile/floppy.img" 2>/dev/null
cp "$CACHE/demo.kim" "$W/mobile/demo.kim"
fl_before=$(sha256sum < "$W/mobile/floppy.img")
# the viewer: sees the app, then holds the connection (up to 120 s)
cat > "$W/viewer.sh" <<SH
#!/bin/bash
"$VNCGRAB" -H "\$1" -P "\$2" -p "\$3" -t 90 --expect aa00aa:0.25 --wait 120000 >"$W/vncgrab.log" 2>&1 &
echo \$! > "$W/vpid"
wait \$!
touch "$W/vdone"
SH
chmod +x "$W/viewer.sh"
timeout -k 5 300 "$ML" -c "127.0.0.1:$PORT" --pings 2 -d "$W/mobile/floppy.img" \
	-f "$W/mobile/demo.kim" --viewer "$W/viewer.sh {host} {port} {password_file}" b1 > "$W/mobile.out" 2>&1 &
MP=$!
vm_bg $MP
for i in $(seq 1200); do grep -q "covers" "$W/vncgrab.log" 2>/dev/null && break; sleep 0.1; done
qemu=$(pgrep -f -- "-serial file:$W/work/")
tap_ok "$([ -n "$qemu" ]; echo $?)" "the app is on the screen, QEMU runs ($qemu)"
kill -KILL $qemu
t0=${EPOCHREALTIME/[.,]/}
while [ ! -e "$W/vdone" ] && [ $(( ${EPOCHREALTIME/[.,]/} - t0 )) -lt $((ENDED_WITHIN * 1000000)) ]; do
	sleep 0.05
done
ms=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
tap_ok "$([ -e "$W/vdone" ]; echo $?)" "the display ends the session by itself: the viewer's connection closes ($ms ms after QEMU died)"
[ -e "$W/vdone" ] || kill "$(cat "$W/vpid")"
wait $MP; rc=$?
out=$(cat "$W/mobile.out")
tap_ok "$([ $rc != 0 ] && grep -q "could not end the session cleanly" <<< "$out"; echo $?)" \
	"the mobile says the session could not end cleanly"
tap_ok "$(! grep -q "could not start your application" <<< "$out"; echo $?)" "... not that the app could not start"
[ $rc != 0 ] && ! grep -q "could not start" <<< "$out" || sed 's/^/# /' <<< "$out"
tap_is "$(sha256sum < "$W/mobile/floppy.img")" "$fl_before" "the mobile's floppy is unchanged"
sleep 0.5
tap_ok "$([ -z "$(ls -A "$W/spool")" ] && [ -z "$(procs_in "$W/" | grep -v "^$DPID ")" ]; echo $?)" \
	"spool empty, no QEMU, x11vnc or script left"
exit $_tap_failed
