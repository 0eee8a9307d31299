#!/usr/bin/env bash
# The end of a session proves the base unchanged without hashing it
# (scripts/kim_base, docs/vm.md "Is the base unchanged?"): a sealed base
# whose files stat as sealed is "ok seal" at once; a file whose change time
# moved (touched, chmod, rewritten, replaced) is hashed in full -- same
# bytes: "ok hash" and the seal renewed; other bytes: "changed".  An old
# seal is hashed again.  A session on a changed base is refused before the
# VM starts, with a message for the operator, and the mobile's floppy is
# untouched.  Works on a copy of the cached base.
. "$(dirname "$0")/lib.sh"
tap_plan 15
vm_setup
vm_cache; tap_ok $? "base VM and patches built (or taken from the cache)"
KB=$S/kim_base
mkdir "$W/vms"
cp -a "$CACHE/vms/b1" "$W/vms/b1"
b=$W/vms/b1
id=$(grep '^identity=' "$b/base.info" | cut -d= -f2)
rm -f "$b/base.seal"

"$KB" seal "$b"
tap_ok $? "kim_base seal: the base hashes to its identity; seal written"
tap_is "$(stat -c %a "$b/base.seal")" 444 "the seal is read-only"
tap_is "$("$KB" check "$b")" "ok seal $id" "check: unchanged files are proven by the seal, no hash"

touch "$b/disk.img"
tap_is "$("$KB" check "$b")" "ok hash $id" "a touched file (new ctime, same bytes) is hashed in full and passes"
tap_is "$("$KB" check "$b")" "ok seal $id" "... and the renewed seal proves it the next time"

tap_is "$("$KB" check --full "$b")" "ok hash $id" "--full always hashes"
tap_is "$("$KB" check --max-age 0 "$b")" "ok hash $id" "--max-age 0: the seal is never trusted"
sed -i 's/^sealed=.*/sealed=1/' "$b/base.seal" 2>/dev/null || {
	chmod 644 "$b/base.seal"; sed -i 's/^sealed=.*/sealed=1/' "$b/base.seal"; chmod 444 "$b/base.seal"; }
tap_is "$("$KB" check "$b" | cut -d' ' -f1,2)" "ok hash" "a seal older than the maximum age is hashed again"

# one byte of base.mem changed in place: the seal sees the new ctime, the hash the byte
chmod 644 "$b/base.mem"
printf '\x5a' | dd of="$b/base.mem" bs=1 seek=4096 conv=notrunc status=none
chmod 444 "$b/base.mem"
out=$("$KB" check "$b")
tap_ok "$([ $? = 1 ]; echo $?)" "a changed byte: check fails"
tap_like "^changed [0-9a-f]{64} $id\$" "$out" "... and says what it hashes to now and what it was"

# a session on the changed base is refused before the VM starts
start_xvfb
mkdir "$W/mobile" "$W/spool"
"$DL" -l 127.0.0.1:0 --port-file "$W/port" --spool "$W/spool" --vm-dir "$W/vms" \
	--setup-script "$S/display_setup" --x-display "$XDISPLAY" --accel "$ACCEL" \
	--log "$W/display.log" "Seal test display" > "$W/display.out" 2>&1 &
DPID=$!
vm_bg $DPID
for i in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
"$S/make_floppy" -o "$W/mobile/floppy.img" 2>/dev/null
fl_before=$(sha256sum < "$W/mobile/floppy.img")
out=$("$ML" -c "127.0.0.1:$(cat "$W/port")" -d "$W/mobile/floppy.img" -f "$CACHE/demo.kim" \
	--viewer true b1 2>&1)
tap_ok "$([ $? != 0 ]; echo $?)" "a session on the changed base fails"
tap_like "changed on disk since it was made" "$out" "... and the mobile is told the display's base changed"
tap_diag "$(echo "$out" | grep -m1 changed)"
tap_is "$(sha256sum < "$W/mobile/floppy.img")" "$fl_before" "... its floppy is untouched"
tap_is "$(pgrep -f "qemu-system.*$W/vms" || true)" "" "... and no QEMU runs on it"
