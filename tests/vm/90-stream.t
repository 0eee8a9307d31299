#!/usr/bin/env bash
# A VM patch decoded while it arrives (docs/vm.md "Streaming the patch into
# the display"), through both launchers over the test hosts' wifi0 link,
# the mobile's sending capped at 1 MB/s so that a 3 MB patch takes seconds:
# - the display starts on the patch's first piece (its log says how much of
#   it was there), checks the header before the transfer ends, and the
#   session then goes as any other: the app's magenta screen on the viewer,
#   a note typed and saved, the mobile's floppy holding it;
# - the mobile vanishing mid-stream leaves nothing: no QEMU, no script, an
#   empty spool, no session directory, the mobile's floppy untouched;
# - a patch damaged in its last byte is refused, and one for another base
#   is refused naming both, each leaving nothing behind;
# - --stream-patches no: the patch is used once it has arrived, as before.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/hosts/hosts.sh"
tap_plan 27
[ "$(id -u)" = 0 ] || { echo "Bail out! needs root (network namespaces)"; exit 1; }
vm_setup
vm_cache; tap_ok $? "base VM and demo patch built (or taken from the cache)"
vm_big_patch; tap_ok $? "the demo app with 3 MiB of ballast as a patch: $(stat -c %s "$CACHE/big.kim" 2>/dev/null) bytes"
base=$CACHE/vms/b1
before=$(base_hash "$base")
identity=$(grep '^identity=' "$base/base.info" | cut -d= -f2)
start_xvfb; tap_ok $? "Xvfb is the display's screen ($XDISPLAY)"
hosts_up && hosts_rate 1 mob; tap_ok $? "test hosts up; what the mobile sends on wifi0 is capped at 1 MB/s"
mkdir "$W/mobile" "$W/spool"

# display_launcher in the display host, on wifi0; sets DPID and PORT
start_disp_host() {
	local i
	rm -f -- "$W/port"
	hosts_bg disp "$DL" -l "$DISP_WIFI_IP:0" --port-file "$W/port" --spool "$W/spool" --work-dir "$W/work" \
		--vm-dir "$CACHE/vms" --setup-script "$S/display_setup" --x-display "$XDISPLAY" --accel "$ACCEL" \
		--log "$W/display.log" "$@" "Stream test display" > "$W/display.out" 2>&1
	DPID=$HOSTS_LAST_PID
	for i in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
	PORT=$(cat "$W/port" 2>/dev/null)
}
# wait_log PATTERN COUNT SECONDS: the display log has COUNT lines matching
wait_log() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(grep -c -- "$1" "$W/display.log" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# nothing of a session is left: no process pointing into the test's
# directory but the launcher, an empty spool, no session directory
left_nothing() {
	sleep 0.5
	[ -z "$(procs_in "$W/" | grep -v "^$DPID ")" ] && [ -z "$(ls -A "$W/spool")" ] &&
		[ -z "$(find "$W/work" -mindepth 2 -maxdepth 2 -name 'session-*' 2>/dev/null)" ]
}
mob() { on_mob "$ML" -c "$DISP_WIFI_IP:$PORT" --usb=never --pings 3 "$@"; }

start_disp_host
tap_ok "$([ -n "$PORT" ]; echo $?)" "display_launcher listens on $DISP_WIFI_IP:$PORT in the display host"

# 1. a whole session with the patch streamed
"$S/make_floppy" -o "$W/mobile/floppy.img" 2>/dev/null
viewer="$VNCGRAB -H {host} -P {port} -p {password_file} -t 120 -o $W/viewer.status"
viewer="$viewer --expect aa00aa:0.25 --type hello\\sstream\\n --expect 00aa00:0.25"
out=$(mob -d "$W/mobile/floppy.img" -f "$CACHE/big.kim" --viewer "$viewer" b1 2>&1)
rc=$?
tap_is "$rc" 0 "mobile_launcher completes a session with the 3 MB patch"
[ "$rc" = 0 ] || tap_diag "$out" "$(tail -n 30 "$W/display.log")"
tap_is "$(cat "$W/viewer.status" 2>/dev/null)" OK "the viewer saw the app's magenta screen, typed, and saw it saved (green)"
tap_is "$(mtype -i "$W/mobile/floppy.img" ::NOTE.TXT 2>&1 | tr -d '\r')" "hello stream" \
	"the mobile's floppy holds the typed note"
line=$(grep -m1 'streaming patch="big.kim" vm="b1"' "$W/display.log")
have=$(printf '%s' "$line" | sed -n 's/.*(\([0-9]*\) of \([0-9]*\) bytes here).*/\1/p')
size=$(printf '%s' "$line" | sed -n 's/.*(\([0-9]*\) of \([0-9]*\) bytes here).*/\2/p')
tap_ok "$([ -n "$have" ] && [ "$size" = "$(stat -c %s "$CACHE/big.kim")" ] && [ "$have" -lt "$size" ]; echo $?)" \
	"the display started on the patch with $have of its $size bytes there"
[ -n "$have" ] || tap_diag "$(grep kimberlize "$W/display.log" | tail -n 5)"
checked=$(grep -n -m1 'step=setup check [0-9]' "$W/display.log" | cut -d: -f1)
arrived=$(grep -n 'sha256 verified' "$W/display.log" | tail -n 1 | cut -d: -f1)
tap_ok "$([ -n "$checked" ] && [ -n "$arrived" ] && [ "$checked" -lt "$arrived" ]; echo $?)" \
	"the patch's header was checked (log line $checked) before the transfer ended (line $arrived)"
wait_log 'base unchanged' 1 30
tap_like "base unchanged sha256=$identity" "$(grep 'base unchanged' "$W/display.log")" "the setup script reported BASE_OK"
left_nothing; tap_ok $? "nothing of the session is left (processes, spool, session directory)"
for s in check unpack loaded running; do
	grep -o "step=setup $s [0-9]* ms.*" "$W/display.log" | head -n 1 | sed 's/^/# /'
done
tap_is "$(base_hash "$base")" "$before" "the base VM's files hash as before"

# 2. the mobile vanishes while the patch is arriving
"$S/make_floppy" -o "$W/mobile/floppy2.img" 2>/dev/null
fsha=$(sha256sum < "$W/mobile/floppy2.img")
hosts_bg mob "$ML" -c "$DISP_WIFI_IP:$PORT" --usb=never --pings 3 -d "$W/mobile/floppy2.img" \
	-f "$CACHE/big.kim" --viewer "$viewer" b1 > "$W/vanish.out" 2>&1
mpid=$HOSTS_LAST_PID
wait_log 'streaming patch="big.kim"' 2 60
tap_ok $? "a second session starts streaming its patch"
kill -KILL "$mpid" 2>/dev/null
wait_log 'closed: the connection dropped' 1 60
tap_ok $? "the display closes the session when the mobile vanishes mid-stream"
left_nothing
r=$?
tap_ok $r "nothing of it is left (no QEMU or script, empty spool, no session directory)"
[ $r = 0 ] || tap_diag "$(procs_in "$W/")" "$(ls -A "$W/spool")"
tap_is "$(sha256sum < "$W/mobile/floppy2.img")" "$fsha" "the mobile's floppy is untouched"
wait_log 'base unchanged' 2 30
tap_is "$(base_hash "$base")" "$before" "the base VM's files hash as before"

# 3. one byte changed at the patch's end (the memory part's last frame)
cp -- "$CACHE/big.kim" "$W/mobile/bad.kim"
sz=$(stat -c %s "$W/mobile/bad.kim")
b=$(od -An -tu1 -j $((sz - 1)) -N1 "$W/mobile/bad.kim" | tr -d ' ')
printf "$(printf '\\%03o' $(((b + 1) % 256)))" | dd of="$W/mobile/bad.kim" bs=1 seek=$((sz - 1)) conv=notrunc 2>/dev/null
fsha=$(sha256sum < "$W/mobile/floppy.img")
out=$(mob -d "$W/mobile/floppy.img" -f "$W/mobile/bad.kim" --viewer "$viewer" b1 2>&1)
rc=$?
tap_ok "$([ "$rc" != 0 ] && printf '%s' "$out" | grep -qi 'damaged\|corrupt\|sha256'; echo $?)" \
	"a patch damaged in its last byte is refused: $(printf '%s' "$out" | grep -i 'damaged\|corrupt\|sha256' | head -n 1)"
[ "$rc" != 0 ] || tap_diag "$out"
tap_is "$(sha256sum < "$W/mobile/floppy.img")" "$fsha" "the mobile's floppy is untouched"
left_nothing; tap_ok $? "nothing of it is left"

# 4. a patch for another base of the same name
out=$(mob -f "$CACHE/other.kim" --viewer "$viewer" b1 2>&1)
rc=$?
tap_ok "$([ "$rc" != 0 ] && printf '%s' "$out" | grep -q 'another base\|different base\|base'; echo $?)" \
	"a patch for another base is refused: $(printf '%s' "$out" | grep -i 'base' | head -n 1)"
left_nothing; tap_ok $? "nothing of it is left"

# 5. streaming off: the patch is used once it has arrived
hosts_rate off mob
kill "$DPID"
wait "$DPID" 2>/dev/null
: > "$W/display.log"
start_disp_host --stream-patches no
tap_ok "$([ -n "$PORT" ]; echo $?)" "display_launcher --stream-patches no listens"
viewer2="$VNCGRAB -H {host} -P {port} -p {password_file} -t 120 -o $W/viewer2.status --expect aa00aa:0.25"
mob -f "$CACHE/demo.kim" --viewer "$viewer2" b1 > "$W/nostream.out" 2>&1
tap_ok "$([ $? = 0 ] && [ "$(cat "$W/viewer2.status")" = OK ]; echo $?)" "a session with streaming off shows the app"
tap_is "$(grep -c 'streaming patch=' "$W/display.log")" 0 "and its patch was not streamed"
left_nothing
tap_is "$(base_hash "$base")" "$before" "at the end the base VM's files hash as before"
exit $_tap_failed
