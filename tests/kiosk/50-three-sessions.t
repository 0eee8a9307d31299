#!/bin/bash
# A kiosk: ONE display_launcher serves three sessions in a row from three
# different mobiles (each with its own floppy) on the workspace backend,
# through scripts/display_setup; vncgrab is each person's viewer and types a
# note of its own.  Between sessions the display's screen shows the idle
# screen with the display's name; after each session the mobile's floppy
# holds its own note, the spool is empty, no session process is left, no
# mount of the session, and the base hashes as before.
. "$(dirname "$0")/../workspace/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
IDLE=$ROOT/kiosk/idle_screen
SC=$ROOT/tests/kiosk/screencheck
IDLE_NAME=ffc836
for f in "$DL" "$ML" "$VNCGRAB" "$IDLE" "$SC"; do [ -x "$f" ] || bail "$f not built (make)"; done
[ -x "$ROOT/scripts/display_setup" ] || bail "scripts/display_setup is missing"

# wait_text COLOUR STRING: until the X screen spells it (up to 30 s: the
# idle screen comes back after the session's end and clean-up, which a
# loaded CI machine has been seen to stretch past 10 s)
wait_text() {
	local t0=$SECONDS
	while ((SECONDS - t0 < 30)); do
		"$SC" -display "$XDISPLAY" text "$1" "$2" >"$T/sc.out" 2>&1 && return 0
		sleep 0.1
	done
	sed 's/^/#   /' "$T/sc.out"
	echo "#   not there after $((SECONDS - t0)) s; the display's log ends:"
	tail -n 15 "$T/display.log" 2>/dev/null | sed 's/^/#   /'
	return 1
}
descendants() {   # the PIDs below $1 (not $1), one per line
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}
# session_procs: what runs below the display launcher besides its idle screen
# and its own unprivileged half (docs/design.md section 7.1)
session_procs() {
	local p exe
	for p in $(descendants "$dl"); do
		exe=$(readlink "/proc/$p/exe" 2>/dev/null)
		[ "$exe" = "$(readlink -f "$IDLE")" ] && continue
		[ "$exe" = "$(readlink -f "$DL")" ] && continue
		tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline"
		echo
	done | grep . || true
}

start_xvfb
make_base kiosk
make_patch kiosk "$T/app.kim"
base_before=$(hash_tree "$T/vms/kiosk")
mkdir -p "$T/spool"
"$DL" -l 127.0.0.1:0 --port-file "$T/port" --spool "$T/spool" --vm-dir "$T/vms" \
	--x-display "$XDISPLAY" --idle-screen "$IDLE" --log "$T/display.log" "Kiosk test display" \
	>"$T/display.out" 2>&1 &
dl=$!
PIDS+=($dl)
for ((i = 0; i < 100; i++)); do [ -s "$T/port" ] && break; sleep 0.05; done
port=$(cat "$T/port" 2>/dev/null)
check "display_launcher listens" test -n "$port"
check "before any session the screen shows the idle screen with the display's name" \
	wait_text $IDLE_NAME "Kiosk test display"
"$SC" -display "$XDISPLAY" shot "$T/idle-0.png"
"$SC" -display "$XDISPLAY" text 7fe0ff "Run: mobile_launcher -c 127.0.0.1:$port -d floppy.img -f app.patch <vm>" >/dev/null
ok $? "the idle screen's command names the port the display listens on"

# watch MOBILE: while a session runs, note what runs below the launcher and
# whether the idle screen is off the X screen (the checks below must be
# able to see a session's processes, or they prove nothing).
watch() {
	local i n
	: >"$T/watch$1"
	for ((i = 0; i < 300; i++)); do
		[ -e "$T/done$1" ] && break
		n=$(session_procs | wc -l)
		[ "$n" -gt 0 ] && echo "procs=$n idle=$("$SC" -display "$XDISPLAY" count $IDLE_NAME)" >>"$T/watch$1"
		sleep 0.05
	done
}

for m in 1 2 3; do
	make_floppy "$T/floppy$m.img"
	note="note from mobile $m"
	viewer="$VNCGRAB -H {host} -P {port} -p {password_file} -t 30 --expect 1b998b:0.12 --expect f46036:0.12"
	viewer+=" --type ${note// /\\s} --wait 300 --shot $T/session$m.png"
	watch $m &
	wpid=$!
	PIDS+=($wpid)
	t0=$(date +%s%N)
	"$ML" -c "127.0.0.1:$port" -d "$T/floppy$m.img" -f "$T/app.kim" --viewer "$viewer" kiosk >"$T/mobile$m.out" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	touch "$T/done$m"
	wait "$wpid"
	is "$rc" 0 "mobile $m: a whole session (${ms} ms)"
	[ "$rc" = 0 ] || sed 's/^/# /' "$T/mobile$m.out" | tail -20
	check "mobile $m: its viewer saw the app (kimnote's colours) on the VNC frame" test -s "$T/session$m.png"
	is "$(MTOOLS_SKIP_CHECK=1 mtype -i "$T/floppy$m.img" ::note.txt 2>&1)" "first line
$note" "mobile $m: its floppy holds its own note"
	fsck.fat -n "$T/floppy$m.img" >/dev/null 2>&1
	ok $? "mobile $m: its floppy is a clean FAT image"
	check "mobile $m: afterwards the idle screen is back with the display's name" \
		wait_text $IDLE_NAME "Kiosk test display"
	"$SC" -display "$XDISPLAY" shot "$T/idle-$m.png"
	check "mobile $m: while it ran, session processes ran below the launcher" test -s "$T/watch$m"
	check "mobile $m: ... and the idle screen was off the screen" grep -q 'idle=0$' "$T/watch$m"
	is "$(ls -A "$T/spool")" "" "mobile $m: the spool is empty afterwards"
	is "$(session_procs)" "" "mobile $m: no session process is left (only the idle screen runs below the launcher)"
	is "$(hash_tree "$T/vms/kiosk")" "$base_before" "mobile $m: the base hashes as before"
	no_leftovers "mobile $m: no mount or loop device of the session is left"
done
for m in 1 2; do
	check "floppy $m did not get a later mobile's note" \
		test "$(MTOOLS_SKIP_CHECK=1 mtype -i "$T/floppy$m.img" ::note.txt)" = "first line
note from mobile $m"
done
is "$(grep -c 'base unchanged' "$T/display.log")" 3 "the display's log records the base verified unchanged three times"
is "$(grep -c 'step=republish.*ready for the next person' "$T/display.log")" 3 "... and three times ready for the next person"
check "the same display_launcher served all three (still running)" kill -0 "$dl"
if [ -n "${KIOSK_SHOTS:-}" ]; then cp "$T"/idle-*.png "$T"/session*.png "$KIOSK_SHOTS/" 2>/dev/null; fi
kill -TERM "$dl"
for ((i = 0; i < 50; i++)); do kill -0 "$dl" 2>/dev/null || break; sleep 0.1; done
wait "$dl"
is "$?" 0 "SIGTERM stops the display launcher cleanly"
is "$("$SC" -display "$XDISPLAY" count $IDLE_NAME)" 0 "... and takes its idle screen away"
done_testing
