#!/usr/bin/env bash
# The display's own disk full (issue 10 item 17, the display's part): the
# spool and the session directories (--work-dir, where the privileged side
# copies the spooled files and the setup script unpacks and writes the
# delta) are small tmpfs.  (1) They hold the patch and the floppy but not the
# unpacked patch: the person is told the display's disk is full, not that
# the patch is corrupt.  (2) It fills up while the app runs (after the note
# was saved), so the floppy's changes cannot be written back: the person is
# told the display's disk is full, not that the display "could not end the
# session cleanly".  Both times the mobile's floppy is unchanged and the
# display cleans up.
. "$(dirname "$0")/lib.sh"
tap_plan 12
vm_setup
mounted=
diskfull_teardown() {
	vm_teardown_procs
	[ -z "$mounted" ] || umount "$W/spool" "$W/work"
	[ -z "$W" ] || rm -rf -- "$W"
}
vm_teardown_procs() {
	local p
	for p in "${_VM_PIDS[@]}" $XVFB_PID; do kill -TERM "$p" 2>/dev/null; done
	for p in "${_VM_PIDS[@]}" $XVFB_PID; do wait "$p" 2>/dev/null; done
}
trap diskfull_teardown EXIT
vm_cache; tap_ok $? "base VM and demo patch built (or taken from the cache)"
start_xvfb; tap_ok $? "Xvfb is the display's screen"
mkdir -p "$W/spool" "$W/work" "$W/mobile"
# room for the patch (~65 KiB) and the floppy (1440 KiB), not for the
# unpacked patch (~700 KiB) beside them
mount -t tmpfs -o size=1700k,mode=0700 kimberley-test-spool "$W/spool" &&
	mount -t tmpfs -o size=1700k,mode=0700 kimberley-test-work "$W/work" && mounted=1
tap_ok $? "the spool and the session directories are 1700 KiB tmpfs"
start_display
"$S/make_floppy" -o "$W/mobile/floppy.img" 2>/dev/null
cp "$CACHE/demo.kim" "$W/mobile/demo.kim"
fl_before=$(sha256sum < "$W/mobile/floppy.img")

# (1) full while unpacking
viewer="$VNCGRAB -H {host} -P {port} -p {password_file} -t 20 --expect aa00aa:0.25"
out=$(timeout -k 5 120 "$ML" -c "127.0.0.1:$PORT" --pings 2 -d "$W/mobile/floppy.img" \
	-f "$W/mobile/demo.kim" --viewer "$viewer" b1 2>&1); rc=$?
tap_ok "$([ $rc != 0 ]; echo $?)" "unpack: the session is refused"
tap_like "display's disk is full" "$out" "unpack: the mobile says the display's disk is full"
tap_ok "$(! grep -q corrupt <<< "$out"; echo $?)" "unpack: ... and not that the patch is corrupt"
tap_is "$(sha256sum < "$W/mobile/floppy.img")" "$fl_before" "unpack: the mobile's floppy is unchanged"
sleep 0.3
tap_is "$(ls -A "$W/spool"; find "$W/work" -mindepth 2)" "" "unpack: the spool and the session directory are empty again"

# (2) full at the floppy's write-back: the viewer types the note, sees it
# saved, then the spool is filled up before the person leaves
mount -o remount,size=16m "$W/spool"
mount -o remount,size=16m "$W/work"
cat > "$W/viewer.sh" <<SH
#!/bin/bash
"$VNCGRAB" -H "\$1" -P "\$2" -p "\$3" -t 90 --expect aa00aa:0.25 \
	--type hello\\\\sfrom\\\\skimberley\\\\n --expect 00aa00:0.25 || exit 1
dd if=/dev/zero of="$W/work/filler" bs=64k 2>/dev/null
exit 0
SH
chmod +x "$W/viewer.sh"
out=$(timeout -k 5 300 "$ML" -c "127.0.0.1:$PORT" --pings 3 -d "$W/mobile/floppy.img" \
	-f "$W/mobile/demo.kim" --viewer "$W/viewer.sh {host} {port} {password_file}" b1 2>&1); rc=$?
tap_ok "$([ $rc != 0 ]; echo $?)" "write-back: the end of the session fails"
tap_like "display's disk is full" "$out" "write-back: the mobile says the display's disk is full"
tap_ok "$(! grep -q "could not end the session cleanly" <<< "$out"; echo $?)" \
	"write-back: ... and not that the display could not end the session cleanly"
[ "$rc" != 0 ] && grep -q "display's disk is full" <<< "$out" ||
	{ sed 's/^/# /' <<< "$out"; tail -n 20 "$W/display.log" | sed 's/^/# /'; }
tap_is "$(sha256sum < "$W/mobile/floppy.img")" "$fl_before" "write-back: the mobile's floppy is unchanged"
exit $_tap_failed
