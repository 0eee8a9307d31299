#!/usr/bin/env bash
# mobile_launcher --attach over the direct link with the real VM backend
# (docs/attach.md): a 64 MB FAT image of the mobile's is Disk1 in the
# session; the demo notepad (the person types through vncgrab) writes its
# note there and to the floppy.  Read-write: the note is in the mobile's
# image afterwards, fsck clean.  Read-only: the image is byte for byte as it
# was.  The mobile's qemu-nbd killed mid-session: the session still ends
# cleanly, the floppy gets its note, the display is back to its base.  A
# stranger presenting a wrong token: refused, hung up on, nothing attached.
. "$(dirname "$0")/../vm/lib.sh"
POKE=$ROOT/tests/e2e/rpcpoke
tap_plan 31
vm_setup
vm_cache; tap_ok $? "base VM and demo patch built (or taken from the cache)"
base=$CACHE/vms/b1
before=$(base_hash "$base")
start_xvfb; tap_ok $? "Xvfb is the display's screen ($XDISPLAY)"
mkdir "$W/mobile" "$W/tmp"
start_display
tap_ok "$([ -n "$PORT" ]; echo $?)" "display_launcher listens on 127.0.0.1:$PORT"
cp "$CACHE/demo.kim" "$W/mobile/demo.kim"

# the viewer: waits (bounded) until the display's log says the disk is
# mounted in the guest (or a log line ARG1), runs the hook ARG2 if any,
# then the person types a note and sees it saved (green)
cat > "$W/viewer.sh" <<'VIEW'
#!/bin/bash
# viewer.sh LOG WANT HOOK OUT -- vncgrab's arguments...
# WANT: N (the log's Nth "disk mounted in the guest" line) or a file to wait for
log=$1 want=$2 hook=$3 out=$4; shift 5
seen() {
	case $want in
	[0-9]*) [ "$(grep -c 'step=setup attach disk1 r[ow] disk-mounted' "$log")" -ge "$want" ];;
	*) [ -e "$want" ];;
	esac
}
for _ in $(seq 300); do seen && break; sleep 0.1; done
seen || { echo "no '$want' in the log" > "$out"; exit 1; }
[ "$hook" = - ] || bash "$hook"
exec "$@"
VIEW
chmod +x "$W/viewer.sh"
session() {   # session NAME WANT HOOK ML-ARGS...: one session, rc in $rc
	local name=$1 want=$2 hook=$3; shift 3
	"$S/make_floppy" -o "$W/mobile/$name.floppy" 2>/dev/null
	local v="$W/viewer.sh $W/display.log $want $hook $W/$name.status --"
	v="$v $VNCGRAB -H {host} -P {port} -p {password_file} -t 90 -o $W/$name.status"
	v="$v --expect aa00aa:0.25 --type $name\\snote\\n --expect 00aa00:0.25 --shot $W/$name.png"
	TMPDIR=$W/tmp "$ML" -c "127.0.0.1:$PORT" --pings 3 -d "$W/mobile/$name.floppy" \
		-f "$W/mobile/demo.kim" --viewer "$v" "$@" b1 > "$W/$name.out" 2>&1
	rc=$?
	[ "$rc" = 0 ] || tap_diag "$(cat "$W/$name.out")" "$(tail -n 40 "$W/display.log")"
}
mkimg() { truncate -s 64M "$1" && mkfs.fat -n MOBILE "$1" > /dev/null; }

# 1. read-write
mkimg "$W/mobile/docs.img"
mcopy -i "$W/mobile/docs.img" - ::README.TXT <<< "mine" 
session rw 1 - --attach "$W/mobile/docs.img"
tap_is "$rc" 0 "a session with --attach docs.img completes"
tap_is "$(cat "$W/rw.status")" OK "the person typed a note and saw it saved (green)"
tap_like "Disk1" "$(cat "$W/rw.out")" "the mobile says the image is Disk1 in the session"
tap_is "$(mtype -i "$W/mobile/docs.img" ::NOTE.TXT 2>&1 | tr -d '\r')" "rw note" \
	"the note the app wrote is in the mobile's image (mtype)"
tap_is "$(mtype -i "$W/mobile/docs.img" ::README.TXT 2>&1 | tr -d '\r')" "mine" \
	"what the image held is still there"
fsck.fat -n "$W/mobile/docs.img" > /dev/null 2>&1
tap_ok $? "the mobile's image is a clean FAT file system (fsck.fat -n)"
tap_is "$(mtype -i "$W/mobile/rw.floppy" ::NOTE.TXT 2>&1 | tr -d '\r')" "rw note" \
	"the floppy got the note as well"
tap_like "step=setup detach disk1 disk-unmounted" "$(cat "$W/display.log")" \
	"at the end the guest unmounted the disk and QEMU unplugged it"
tap_is "$(ls -A "$W/tmp")" "" "the mobile left nothing in TMPDIR (socket directory gone)"
tap_is "$(procs_in "$W/mobile/docs.img")" "" "no qemu-nbd is left running"

# 2. read-only
mkimg "$W/mobile/ro.img"
mcopy -i "$W/mobile/ro.img" - ::README.TXT <<< "mine"
h=$(sha256sum < "$W/mobile/ro.img")
session ro 2 - --attach "$W/mobile/ro.img:ro"
tap_is "$rc" 0 "a session with --attach ro.img:ro completes"
tap_is "$(cat "$W/ro.status")" OK "the person typed a note and saw the floppy's copy saved"
tap_like "read-only" "$(cat "$W/ro.out")" "the mobile says the disk is read-only"
tap_is "$(sha256sum < "$W/mobile/ro.img")" "$h" "the read-only image is byte for byte as before"
tap_like "disk1 attached read-only in" "$(cat "$W/display.log")" "the display plugged it in read-only"
tap_is "$(mtype -i "$W/mobile/ro.floppy" ::NOTE.TXT 2>&1 | tr -d '\r')" "ro note" \
	"the floppy still got the note"

# 3. the mobile's NBD server dies mid-session
mkimg "$W/mobile/gone.img"
# (the mount line of this session: the third)
printf '%s\n' "pkill -TERM -f -- 'qemu-nbd.*$W/mobile/gone.img'" "sleep 0.5" > "$W/kill_nbd.sh"
session gone 3 "$W/kill_nbd.sh" --attach "$W/mobile/gone.img"
tap_is "$rc" 0 "with its qemu-nbd killed mid-session, the session still ends cleanly"
tap_is "$(cat "$W/gone.status")" OK "the app went on (the note saved to the floppy: green)"
tap_is "$(mtype -i "$W/mobile/gone.floppy" ::NOTE.TXT 2>&1 | tr -d '\r')" "gone note" \
	"the floppy's delta came back with the note"
mtype -i "$W/mobile/gone.img" ::NOTE.TXT > /dev/null 2>&1
tap_is "$?" 1 "the note typed after qemu-nbd died is not in that image (the disk was gone)"
tap_is "$(base_hash "$base")" "$before" "the base VM's files hash as before (the display reverted)"
tap_is "$(ls -A "$W/tmp")" "" "the mobile left nothing in TMPDIR"

# 4. a stranger with a wrong token, during a session
"$S/make_floppy" -o "$W/mobile/s.floppy" 2>/dev/null
TMPDIR=$W/tmp "$ML" -c "127.0.0.1:$PORT" --pings 3 -d "$W/mobile/s.floppy" -f "$W/mobile/demo.kim" \
	--viewer "$W/viewer.sh $W/display.log $W/stranger-done - $W/s.status -- $VNCGRAB -H {host} -P {port} -p {password_file} -t 90 -o $W/s.status --expect aa00aa:0.25" \
	b1 > "$W/s.out" 2>&1 &
MLPID=$!; vm_bg $MLPID
for _ in $(seq 600); do [ "$(grep -c 'running vnc_port' "$W/display.log")" -ge 4 ] && break; sleep 0.1; done
out=$("$POKE" "127.0.0.1:$PORT" attach-stream "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')")
tap_is "$(printf '%s\n' "$out" | sed 's/:.*//' | tr '\n' ' ')" "ATTACH_TOKEN closed " \
	"a stranger's wrong token is refused and the display hangs up"
tap_like "wrong, used or expired disk token: refused, nothing attached" "$(cat "$W/display.log")" \
	"the refusal is logged"
tap_like "^BUSY:" "$("$POKE" "127.0.0.1:$PORT" attach-disk stranger.img)" \
	"a stranger cannot ask for a disk token (ATTACH_DISK: the display is busy)"
touch "$W/stranger-done"
wait $MLPID; rc=$?
tap_is "$rc" 0 "the owner's session goes on and ends cleanly"
tap_is "$(grep -c 'disk[0-9] attached' "$W/display.log")" 3 "only the three sessions' own disks were ever attached"
sleep 0.5
tap_is "$(procs_in "$W/" | grep -v "^$DPID ")" "" "no QEMU, qemu-nbd, relay or script is left running"
grep -o "step=setup \(attach\|detach\) disk.*" "$W/display.log" | sed 's/^/# /'
exit $_tap_failed
