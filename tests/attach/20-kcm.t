#!/usr/bin/env bash
# --attach across the two test hosts through KCM's TLS tunnel, the README's
# way of connecting (docs/attach.md): display_launcher on disp (real VM
# backend, published through KCM), mobile_launcher on mob finds it by name;
# the disk's stream takes the same path as the RPC (the mobile's KCM port).
# wifi0 has a 30 ms round trip (the cable is unplugged): the mobile warns that live reads are slow,
# and the note the person types is still in the mobile's image at the end.
. "$(dirname "$0")/../vm/lib.sh"
. "$ROOT/tests/hosts/hosts.sh"
KCM=$ROOT/kcm/kcm
tap_plan 11
vm_setup
vm_cache; tap_ok $? "base VM and demo patch built (or taken from the cache)"
start_xvfb; tap_ok $? "Xvfb is the display's screen ($XDISPLAY)"
hosts_up --usb-down --delay-ms 30 || { echo "Bail out! the test hosts did not come up"; exit 1; }
for h in disp mob; do
	printf '[D-BUS Service]\nName=org.kimberley.KCM\nExec=%s\n' "$KCM" \
		> "$HOSTS_DIR/$h/dbus-services/org.kimberley.KCM.service"
done
mkdir -p "$W/spool" "$W/mobile" "$W/tmp"
hosts_bg disp "$DL" --spool "$W/spool" --work-dir "$W/work" --vm-dir "$CACHE/vms" \
	--setup-script "$S/display_setup" --x-display "$XDISPLAY" --accel "$ACCEL" \
	--idle-screen none --log "$W/display.log" "Room A" > "$W/display.out" 2>&1
for _ in $(seq 200); do grep -q "published as" "$W/display.out" && break; sleep 0.05; done
tap_like "published as 'Room A' through KCM" "$(cat "$W/display.out")" "display_launcher on disp publishes itself through KCM"

"$S/make_floppy" -o "$W/mobile/floppy.img" 2>/dev/null
cp "$CACHE/demo.kim" "$W/mobile/demo.kim"
truncate -s 64M "$W/mobile/docs.img" && mkfs.fat -n MOBILE "$W/mobile/docs.img" > /dev/null
cat > "$W/viewer.sh" <<'VIEW'
#!/bin/bash
# viewer.sh LOG -- vncgrab...: once the guest mounted the disk
log=$1; shift 2
for _ in $(seq 600); do grep -q 'step=setup attach disk1 rw disk-mounted' "$log" && break; sleep 0.1; done
grep -q 'step=setup attach disk1 rw disk-mounted' "$log" || exit 1
exec "$@"
VIEW
chmod +x "$W/viewer.sh"
v="$W/viewer.sh $W/display.log -- $VNCGRAB -H {host} -P {port} -p {password_file} -t 120 -o $W/viewer.status"
v="$v --expect aa00aa:0.25 --type kcm\\snote\\n --expect 00aa00:0.25"
on_mob env TMPDIR="$W/tmp" "$ML" -n "Room A" --usb=never --pings 3 --log "$W/mobile.log" \
	-d "$W/mobile/floppy.img" -f "$W/mobile/demo.kim" --attach "$W/mobile/docs.img" \
	--viewer "$v" b1 > "$W/mobile.out" 2>&1 < /dev/null
rc=$?
tap_is "$rc" 0 "mobile_launcher on mob completes a session with --attach through KCM"
[ "$rc" = 0 ] || tap_diag "$(cat "$W/mobile.out")" "$(tail -n 40 "$W/display.log")"
tap_is "$(cat "$W/viewer.status" 2>/dev/null)" OK "the person typed a note and saw it saved (green)"
tap_like "step=connect host=127.0.0.1 " "$(cat "$W/mobile.log")" "the session went through the mobile's KCM (loopback)"
tap_like "warning: the link's round trip is [0-9]+ ms" "$(cat "$W/mobile.out")" "the mobile warns that the link is slow for a live disk"
tap_like "disk1 attached in" "$(cat "$W/display.log")" "the display took the disk's stream through the tunnel"
tap_is "$(mtype -i "$W/mobile/docs.img" ::NOTE.TXT 2>&1 | tr -d '\r')" "kcm note" \
	"the note is in the mobile's image (mtype)"
fsck.fat -n "$W/mobile/docs.img" > /dev/null 2>&1
tap_ok $? "the mobile's image is a clean FAT file system"
tap_is "$(ls -A "$W/tmp")" "" "the mobile left nothing in TMPDIR"
grep -o "attach.*disk1 attached in [0-9.]* s" "$W/display.log" | sed 's/^/# /'
grep -o "step=setup attach disk1 .*" "$W/display.log" | sed 's/^/# /'
grep -o "step=setup detach disk1 .*" "$W/display.log" | sed 's/^/# /'
exit $_tap_failed
