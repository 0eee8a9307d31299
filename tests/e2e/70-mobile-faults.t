#!/usr/bin/env bash
# Faults on the mobile's side (issue 10, items 17-20, 22, 23): its own disk
# full, a floppy given as a symlink or in a directory it cannot write, the
# terminal closed mid-session, the display's reason for a failed end, and
# the litter of a killed mobile.
. "$(dirname "$0")/lib.sh"
tap_plan 34
e2e_setup
chmod 755 "$W"
start_display; tap_ok $? "display up"
head -c 100000 /dev/urandom > "$W/app.patch"
chmod 644 "$W/app.patch"
mkdir -m 700 "$W/tmp"
export TMPDIR=$W/tmp
mnt=
cleanup_mnt() { [ -n "$mnt" ] && umount "$mnt" 2>/dev/null; mnt=; }
trap 'cleanup_mnt; e2e_teardown' EXIT
note_of() { mtype -i "$1" ::NOTE.TXT 2>/dev/null | tr -d '\r'; }
# a PID no process has (a child that is gone)
dead_pid() { sh -c 'exit 0' & local p=$!; wait $p; echo $p; }

# ---- item 17: the mobile's own disk full --------------------------------
mnt=$W/small
mkdir "$mnt" && mount -t tmpfs -o size=2m tmpfs "$mnt"
make_floppy "$mnt/f.img"
head -c 1M /dev/zero > "$mnt/pad"	# (the image is sparse: leave less room than its size)
before=$(sha256sum < "$mnt/f.img")
out=$(mobile x -d "$mnt/f.img" -f "$W/app.patch" demo 2>&1); rc=$?
tap_like "not enough free space.*$mnt" "$out" "17: no room for the new image beside the floppy: refused up front"
tap_ok "$(! grep -q "Connected" <<< "$out"; echo $?)" "17: ... before any session starts"
cleanup_mnt
mnt=$W/small
mount -t tmpfs -o size=4m tmpfs "$mnt"
make_floppy "$mnt/f.img"
before=$(sha256sum < "$mnt/f.img")
mobile_held full "$W/rel17" "$W/m17.out" -d "$mnt/f.img" -f "$W/app.patch" demo
dd if=/dev/zero of="$mnt/fill" bs=64k 2>/dev/null
touch "$W/rel17"; wait $MPID; rc=$?
out=$(cat "$W/m17.out")
tap_ok "$([ $rc -ne 0 ]; echo $?)" "17: a full disk at the end fails"
tap_like "disk .*$mnt.* is full" "$out" "17: ... saying which disk is full"
tap_ok "$(! grep -qi "checksum" <<< "$out"; echo $?)" "17: ... and not calling it a checksum mismatch"
tap_is "$(sha256sum < "$mnt/f.img")" "$before" "17: the floppy is unchanged"
tap_is "$(ls -A "$mnt" | grep -c kim-)" 0 "17: no temporary file is left beside it"
cleanup_mnt

# ---- item 18: a floppy given as a symlink ---------------------------------
mkdir "$W/real"
make_floppy "$W/real/target.img"
ln -s real/target.img "$W/link.img"
out=$(mobile via-link -d "$W/link.img" -f "$W/app.patch" demo 2>&1); rc=$?
tap_is "$rc" 0 "18: a session with a symlinked floppy completes"
tap_ok "$([ -L "$W/link.img" ]; echo $?)" "18: the link is still a link"
tap_is "$(note_of "$W/real/target.img")" "via-link" "18: its target holds the session's changes"
tap_is "$(ls -A "$W/real" "$W" | grep -c '\.kim-')" 0 "18: no temporary file left in either directory"

# ---- item 19: a directory the user cannot write ---------------------------
mkdir -m 755 "$W/ro"
make_floppy "$W/ro/f.img"
chmod 666 "$W/ro/f.img"
mkdir -m 777 "$W/tmpn"
t0=$(date +%s.%N)
out=$(HOME=$W/tmpn TMPDIR=$W/tmpn setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$ML" -c "127.0.0.1:$PORT" --pings 1 --viewer "$FIX/fake_viewer {host} {port} {password_file} x" \
	-d "$W/ro/f.img" -f "$W/app.patch" demo 2>&1); rc=$?
t1=$(date +%s.%N)
tap_ok "$([ $rc -ne 0 ]; echo $?)" "19: a floppy in a directory the user cannot write is refused"
tap_like "cannot (write|create).*$W/ro" "$out" "19: ... naming the directory"
tap_ok "$(! grep -q "Connected" <<< "$out"; echo $?)" "19: ... before the session starts"

# ---- item 20: SIGHUP and SIGTERM mid-session ------------------------------
for sig in HUP TERM; do
	make_floppy "$W/s$sig.img"
	mobile_held "typed-before-$sig" "$W/never" "$W/m$sig.out" -d "$W/s$sig.img" -f "$W/app.patch" demo
	sleep 0.5
	tap_ok "$(ls "$TMPDIR" | grep -q '^kimberley-viewer-'; echo $?)" "20: the viewer's password is under TMPDIR ($sig)"
	kill -$sig $MPID; wait $MPID; rc=$?
	tap_is "$rc" 0 "20: SIG$sig ends the session properly"
	tap_is "$(note_of "$W/s$sig.img")" "typed-before-$sig" "20: ... what was typed reached the floppy ($sig)"
	tap_is "$(ls -A "$TMPDIR" | grep -c kimberley-)$(ls -d /tmp/kimberley-viewer-$MPID-* 2>/dev/null | wc -l)" "00" \
		"20: ... and no kimberley-* file is left behind ($sig)"
done

# ---- item 22: the display's reason for a failed end -----------------------
echo "FIXTURE-END-FAIL END_FAILED the VM crashed: qemu exited on signal 11" > "$W/endfail.patch"
make_floppy "$W/e.img"
out=$(mobile x -d "$W/e.img" -f "$W/endfail.patch" demo 2>&1); rc=$?
tap_ok "$([ $rc -ne 0 ]; echo $?)" "22: a failed end fails"
tap_like "qemu exited on signal 11" "$out" "22: ... and the mobile prints the display's reason"

# ---- item 23: the litter of a killed mobile -------------------------------
make_floppy "$W/k.img"
mobile_held killed "$W/never" "$W/mk.out" -d "$W/k.img" -f "$W/app.patch" demo
kill -KILL $MPID; wait $MPID 2>/dev/null
tap_ok "$(ls "$TMPDIR" | grep -q '^kimberley-viewer-'; echo $?)" "23: a killed mobile leaves its viewer directory"
# what a kill just before the rename leaves: the complete new image and its
# side file (expected hash, hash of the image it replaces)
dp=$(dead_pid)
cp "$W/k.img" "$W/new.img"; mcopy -i "$W/new.img" - ::RECOV.TXT <<< "recovered"
tmpf="$W/.k.img.kim-$dp-AbC123"
cp "$W/new.img" "$tmpf"
echo "$(sha256sum < "$W/new.img" | cut -d' ' -f1) $(sha256sum < "$W/k.img" | cut -d' ' -f1)" > "$tmpf.sha256"
# litter that must stay: a live process's, another user's, and a link
mkdir "$TMPDIR/kimberley-viewer-$$-live00"
mkdir "$TMPDIR/kimberley-delta-$dp-other0"; chown nobody "$TMPDIR/kimberley-delta-$dp-other0"
mkdir "$W/victim"; touch "$W/victim/keep"
ln -s "$W/victim" "$TMPDIR/kimberley-delta-$dp-link00"
out=$(mobile next -d "$W/k.img" -f "$W/app.patch" demo 2>&1); rc=$?
tap_is "$rc" 0 "23: the next run completes"
tap_like "newer floppy image.*recovered" "$out" "23: ... and says a newer image was recovered"
tap_is "$(mtype -i "$W/k.img" ::RECOV.TXT 2>/dev/null | tr -d '\r')" "recovered" "23: ... the recovered image is the floppy now"
tap_is "$(note_of "$W/k.img")" "next" "23: ... and the session's changes were applied on top"
tap_is "$(ls "$TMPDIR" | grep -v -e live00 -e other0 -e link00 | grep -c kimberley-)" 0 \
	"23: the killed mobile's viewer directory (with the password) is gone"
tap_is "$(ls -A "$W" | grep -c '\.kim-')" 0 "23: no temporary floppy file is left"
tap_is "$(ls "$TMPDIR" | grep -c -e live00 -e other0 -e link00)/$(ls "$W/victim")" "3/keep" \
	"23: a live process's, another user's and a symlink's are left alone"
# an incomplete image is discarded
dp=$(dead_pid)
tmpf="$W/.k.img.kim-$dp-XyZ789"
head -c 5000 /dev/urandom > "$tmpf"
echo "$(sha256sum < "$W/new.img" | cut -d' ' -f1) $(sha256sum < "$W/k.img" | cut -d' ' -f1)" > "$tmpf.sha256"
before=$(sha256sum < "$W/k.img")
out=$(mobile again -d "$W/k.img" -f "$W/app.patch" demo 2>&1)
tap_like "discarded \(incomplete\)" "$out" "23: an incomplete image left by a killed run is discarded, and said so"
exit $_tap_failed
