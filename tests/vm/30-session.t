#!/usr/bin/env bash
# A whole session with the real VM backend, through both launchers over the
# direct link: the demo app's patch and the user's floppy are sent, the VM
# resumes on the display's X screen (Xvfb), vncgrab (the person) sees the
# app's magenta screen, types a note, sees it saved (green), ends; the
# mobile's floppy now holds the note, and the display is as before.
. "$(dirname "$0")/lib.sh"
tap_plan 14
vm_setup
vm_cache; tap_ok $? "base VM and demo patch built (or taken from the cache)"
base=$CACHE/vms/b1
before=$(base_hash "$base")
start_xvfb; tap_ok $? "Xvfb is the display's screen ($XDISPLAY)"
mkdir "$W/mobile"
start_display
tap_ok "$([ -n "$PORT" ]; echo $?)" "display_launcher listens on 127.0.0.1:$PORT"

"$S/make_floppy" -o "$W/mobile/floppy.img" 2>/dev/null
cp "$CACHE/demo.kim" "$W/mobile/demo.kim"
note='hello from kimberley'
viewer="$VNCGRAB -H {host} -P {port} -p {password_file} -t 90 -o $W/viewer.status"
viewer="$viewer --title VM\\stest\\sdisplay --expect aa00aa:0.25 --frame 1024x768 --expect-in 0.9,0.9,0.1,0.1:aa00aa:0.95"
viewer="$viewer --expect-in 0,0,0.05,0.05:aa00aa:0.95 --shot $W/app.png --type hello\\sfrom\\skimberley\\n"
viewer="$viewer --expect 00aa00:0.25 --shot $W/saved.png"
t0=${EPOCHREALTIME/[.,]/}
out=$("$ML" -c "127.0.0.1:$PORT" --pings 3 -d "$W/mobile/floppy.img" -f "$W/mobile/demo.kim" \
	--viewer "$viewer" b1 2>&1)
rc=$?
t1=${EPOCHREALTIME/[.,]/}
tap_is "$rc" 0 "mobile_launcher completes the session ($(( (t1 - t0) / 1000 )) ms)"
[ "$rc" = 0 ] || tap_diag "$out" "$(tail -n 30 "$W/display.log")"
tap_is "$(cat "$W/viewer.status" 2>/dev/null)" OK \
	"the viewer's title names the display; it saw the app's magenta screen fill the display's whole 1024x768 screen, typed, and saw it saved (green)"
tap_ok "$([ -s "$W/app.png" ] && [ -s "$W/saved.png" ]; echo $?)" "screenshots of the app were taken"
tap_is "$(mtype -i "$W/mobile/floppy.img" ::NOTE.TXT 2>&1 | tr -d '\r')" "$note" \
	"the mobile's floppy holds the typed note (mtype)"
fsck.fat -n "$W/mobile/floppy.img" > /dev/null 2>&1
tap_ok $? "the mobile's floppy is a clean FAT image"
tap_is "$(base_hash "$base")" "$before" "the base VM's files hash as before"
tap_like "base unchanged sha256=$(grep '^identity=' "$base/base.info" | cut -d= -f2)" \
	"$(grep 'base unchanged' "$W/display.log")" "the setup script reported BASE_OK with the base's identity"
sleep 0.5
tap_is "$(ls -A "$W/spool")" "" "the spool (and every session directory in it) is empty"
tap_is "$(procs_in "$W/" | grep -v "^$DPID ")" "" "no QEMU, x11vnc or script is left running for the session"
for s in unpack loaded running flushed delta; do
	grep -o "step=setup $s [0-9]* ms.*" "$W/display.log" | head -n 1 | sed 's/^/# /'
done
grep -q "step=setup running [0-9]* ms" "$W/display.log"; tap_ok $? "the log has the resume timings"
# and the display is ready for the next person: a second session, no floppy
viewer2="$VNCGRAB -H {host} -P {port} -p {password_file} -t 90 -o $W/viewer2.status --expect aa00aa:0.25"
"$ML" -c "127.0.0.1:$PORT" --pings 3 -f "$W/mobile/demo.kim" --viewer "$viewer2" b1 > "$W/second.out" 2>&1
tap_ok "$([ $? = 0 ] && [ "$(cat "$W/viewer2.status")" = OK ]; echo $?)" \
	"a second session (no floppy) shows the app again"
exit $_tap_failed
