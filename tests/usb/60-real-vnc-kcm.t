#!/usr/bin/env bash
# The real screen path through KCM's TLS tunnel, the README's own way of
# connecting: display_launcher on disp publishes itself through KCM and runs
# scripts/display_setup (real x11vnc -localhost, workspace backend with
# kimnote) on an Xvfb; the mobile on mob finds it by name, and vncgrab --
# the automated viewer -- reaches x11vnc through KCM's tunnel, sees
# kimnote's colours and types a note that comes back in the floppy.
# (x11vnc -localhost admits clients from 127.0.0.1 only: KCM must dial a
# VNC export from there, not from its per-peer loopback source.)
. "$(dirname "$0")/../workspace/lib.sh"
. "$ROOT/tests/hosts/hosts.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
KCM=$ROOT/kcm/kcm
for f in "$DL" "$ML" "$KCM" "$VNCGRAB"; do [ -x "$f" ] || bail "$f not built (make)"; done

start_xvfb
make_base wsdemo
make_patch wsdemo "$T/app.kim"
make_floppy "$T/floppy.img"
mkdir -p "$T/spool"
hosts_up || bail "the test hosts did not come up"
for h in disp mob; do
	printf '[D-BUS Service]\nName=org.kimberley.KCM\nExec=%s\n' "$KCM" \
		> "$HOSTS_DIR/$h/dbus-services/org.kimberley.KCM.service"
done

hosts_bg disp "$DL" --spool "$T/spool" --vm-dir "$T/vms" --x-display "$XDISPLAY" \
	--idle-screen none --log "$T/display.log" "Room K" > "$T/display.out" 2>&1
for ((i = 0; i < 200; i++)); do grep -q "published as" "$T/display.out" && break; sleep 0.05; done
like "$(cat "$T/display.out")" "published as 'Room K' through KCM" "display_launcher on disp publishes itself through KCM"

viewer="$VNCGRAB -H {host} -P {port} -p {password_file} -t 30 --expect 1b998b:0.12 --expect f46036:0.12"
viewer+=" --type typed\\sthrough\\sKCM --wait 300 --shot $T/shot.png -o $T/viewer.status"
on_mob "$ML" -n "Room K" --usb=never --log "$T/mobile.log" \
	-d "$T/floppy.img" -f "$T/app.kim" --viewer "$viewer" wsdemo > "$T/mobile.out" 2>&1 < /dev/null
rc=$?
is "$rc" 0 "mobile_launcher completes a real session through KCM"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/mobile.out" "$T/display.log" | tail -40
like "$(grep 'step=viewer start' "$T/mobile.log")" "host=127.0.0.1 " "the viewer went through the mobile's KCM (loopback)"
check "the viewer saw kimnote's colour signature on the VNC frame" test -s "$T/shot.png"
is "$(MTOOLS_SKIP_CHECK=1 mtype -i "$T/floppy.img" ::note.txt 2>&1)" "first line
typed through KCM" "the note typed over VNC through the tunnel is in the mobile's floppy"
done_testing
