#!/usr/bin/env bash
# A whole session with AbiWord (kimberlize -p abiword on the desktop base)
# through both launchers over the direct link, with a 64 MB FAT "floppy"
# (a USB stick in the guest, mounted at ~/Floppy): the person (vncgrab) sees
# AbiWord's white page fill the screen, types a paragraph, saves it with the
# keyboard (Ctrl+S, a name in the Floppy folder, Enter), closes the viewer;
# the mobile's floppy then holds the document with the typed text, the base
# hashes as before and nothing is left running.
. "$(dirname "$0")/lib.sh"
tap_plan 13
vm_setup
desk_cache; tap_ok $? "desktop base and AbiWord patch built (or taken from the cache)"
sed 's/^/# /' "$CACHE/times" "$PATCHES/abiword.log" 2>/dev/null | grep -E '^# (make_base_vm|kimberlize)'
base=$CACHE/vms/d1
before=$(base_hash "$base")
start_xvfb_size "$DESK_SCREEN"; tap_ok $? "Xvfb is the display's screen ($XDISPLAY, $DESK_SCREEN)"
mkdir "$W/mobile"
start_display
tap_ok "$([ -n "$PORT" ]; echo $?)" "display_launcher listens on 127.0.0.1:$PORT"

"$S/make_floppy" -s 65536 -o "$W/mobile/floppy.img" 2>/dev/null
cp "$PATCHES/abiword.kim" "$W/mobile/abiword.kim"
words='Kimberley\sran\sAbiWord\son\sa\spublic\sdisplay\sand\sthis\sparagraph\swas\styped\sover\sVNC.'
text=${words//\\s/ }
# AbiWord's page: white over much of the screen (the base's own screen is
# dark blue-grey); the guest fills the display's screen: AbiWord's menu bar
# and status bar (GTK's f6f5f4) span the frame's top and bottom edges, which
# a window in a corner would leave black.  The viewer's title is the
# display's name.  Ctrl+S opens the Save dialog with the name selected.
viewer="$VNCGRAB -H {host} -P {port} -p {password_file} -t 120 -o $W/viewer.status"
viewer="$viewer --title VM\\stest\\sdisplay --frame $DESK_SCREEN"
viewer="$viewer --wait 2000 --shot $W/first.png --expect ffffff:0.20:8"
viewer="$viewer --expect-in 0,0.985,1.0,0.015:f6f5f4:0.6:8 --expect-in 0,0,1.0,0.02:f6f5f4:0.8:8"
viewer="$viewer --shot $W/app.png --wait 1000 --type $words"
# the Save dialog is up when its sidebar's selected place (GTK's 3584e4)
# shows; it is gone, the document saved, when AbiWord's menu bar is back
viewer="$viewer --wait 1000 --key ctrl+s --expect-in 0.01,0.11,0.14,0.03:3584e4:0.8:20 --wait 500 --shot $W/dialog.png"
viewer="$viewer --key ctrl+a --type /home/user/Floppy/kimdoc.abw --wait 500 --key Return"
viewer="$viewer --expect-in 0,0,1.0,0.02:f6f5f4:0.8:8 --wait 1000"
viewer="$viewer --shot $W/saved.png"
t0=${EPOCHREALTIME/[.,]/}
out=$("$ML" -c "127.0.0.1:$PORT" --pings 3 -d "$W/mobile/floppy.img" -f "$W/mobile/abiword.kim" \
	--viewer "$viewer" d1 2>&1)
rc=$?
t1=${EPOCHREALTIME/[.,]/}
tap_is "$rc" 0 "mobile_launcher completes the session ($(( (t1 - t0) / 1000 )) ms)"
[ "$rc" = 0 ] || tap_diag "$out" "$(tail -n 40 "$W/display.log")"
tap_is "$(cat "$W/viewer.status" 2>/dev/null)" OK \
	"the viewer (titled with the display's name) saw AbiWord fill the whole screen (white page, menu and status bars from edge to edge), typed and saved with the keyboard"
tap_ok "$([ -s "$W/app.png" ] && [ -s "$W/saved.png" ]; echo $?)" "screenshots of AbiWord were taken"
doc=$(mtype -i "$W/mobile/floppy.img" ::kimdoc.abw 2>&1)
tap_like "<abiword" "$doc" "the mobile's 64 MB floppy holds kimdoc.abw, an AbiWord document (mtype)"
tap_like "$text" "$doc" "the document holds the typed paragraph"
[ -n "${KEEP_SHOTS:-}" ] && cp "$W"/*.png "$KEEP_SHOTS"/ 2>/dev/null
fsck.fat -n "$W/mobile/floppy.img" > /dev/null 2>&1
tap_ok $? "the mobile's floppy is a clean FAT image"
tap_is "$(base_hash "$base")" "$before" "the base VM's files hash as before"
tap_like "base unchanged sha256=$(grep '^identity=' "$base/base.info" | cut -d= -f2)" \
	"$(grep 'base unchanged' "$W/display.log")" "the setup script reported BASE_OK with the base's identity"
sleep 0.5
tap_is "$(ls -A "$W/spool")" "" "the spool (and every session directory in it) is empty"
tap_is "$(procs_in "$W/" | grep -v "^$DPID ")" "" "no QEMU, x11vnc or script is left running for the session"
for s in check unpack loaded running flushed delta; do
	grep -o "step=setup $s [0-9]* ms.*" "$W/display.log" | head -n 1 | sed 's/^/# /'
done
exit $_tap_failed
