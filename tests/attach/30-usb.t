#!/usr/bin/env bash
# --usb-device VID:PID (docs/attach.md, "USB devices"), the plumbing without
# hardware (these machines have no USB): tests/attach/fake_usbredir stands
# in for usbredirect and announces a fake full-speed device over the
# usbredir protocol; the display hands the stream to QEMU as a usb-redir
# device on the base's xhci, filtered to the VID:PID the person named.
# QEMU's own view (QMP qom-get .../usbN attached) is checked mid-session:
# the named device is attached; a peer offering another device is refused
# by the filter.  At the end QEMU lets go and the peer sees the stream close.
. "$(dirname "$0")/../vm/lib.sh"
FAKE=$ROOT/tests/attach/fake_usbredir
tap_plan 10
vm_setup
vm_cache; tap_ok $? "base VM and demo patch built (or taken from the cache)"
start_xvfb; tap_ok $? "Xvfb is the display's screen ($XDISPLAY)"
mkdir "$W/mobile"
start_display
tap_ok "$([ -n "$PORT" ]; echo $?)" "display_launcher listens on 127.0.0.1:$PORT"
cp "$CACHE/demo.kim" "$W/mobile/demo.kim"

# the viewer: once the display plugged usbN in (the Nth "(usb-redir)" line),
# asks QEMU whether the device is attached (into OUT.qom), then sees the app
cat > "$W/viewer.sh" <<'VIEW'
#!/bin/bash
# viewer.sh WORKDIR N OUT -- vncgrab...
work=$1 n=$2 out=$3; shift 4
for _ in $(seq 300); do [ "$(grep -c 'usb1 attached (usb-redir)' "$work/display.log")" -ge "$n" ] && break; sleep 0.1; done
sleep 1   # the device's announcement reaches QEMU's usb-redir
sock=$(ls "$work"/work/*/session-*/s/vm/run/qmp.sock 2>/dev/null | head -n 1)
"$(dirname "$0")/kim_qmp" -t 10 "$sock" hmp "qom-get /machine/peripheral/usb1 attached" > "$out.qom" 2>&1
exec "$@"
VIEW
chmod +x "$W/viewer.sh"
cp "$S/kim_qmp" "$W/kim_qmp"
printf '#!/bin/sh\nexec %s "$@" --announce 1234:9999\n' "$FAKE" > "$W/other_device"
chmod +x "$W/other_device"
usb_session() {   # usb_session NAME N USBREDIRECT
	local v="$W/viewer.sh $W $2 $W/$1 -- $VNCGRAB -H {host} -P {port} -p {password_file} -t 90 -o $W/$1.status --expect aa00aa:0.25"
	KIM_USBREDIRECT=$3 "$ML" -c "127.0.0.1:$PORT" --pings 3 -f "$W/mobile/demo.kim" \
		--usb-device 1234:5678 --viewer "$v" b1 > "$W/$1.out" 2>&1
	rc=$?
	[ "$rc" = 0 ] || tap_diag "$(cat "$W/$1.out")" "$(tail -n 30 "$W/display.log")"
}
usb_session named 1 "$FAKE"
tap_is "$rc" 0 "a session with --usb-device 1234:5678 completes"
tap_like "USB device 1234:5678 is plugged into the session" "$(cat "$W/named.out")" "the mobile says the device is in the session"
tap_is "$(tr -d '\r\n' < "$W/named.qom")" true "QEMU has the redirected device attached to its xhci (qom-get attached)"
tap_like "fake_usbredir: closed" "$(cat "$W/named.out")" "at the end QEMU closed the device's stream"
usb_session other 2 "$W/other_device"
tap_is "$rc" 0 "a session whose peer offers another device (1234:9999) still completes"
tap_is "$(tr -d '\r\n' < "$W/other.qom")" false "QEMU's filter refused the device the person did not name"
sleep 0.5
tap_is "$(procs_in "$W/" | grep -v "^$DPID ")" "" "no QEMU, peer, relay or script is left running"
exit $_tap_failed
