#!/bin/bash
# A whole workspace session on the backend (dekimberlize_workspace, exported by
# x11vnc as display_setup does): the VNC frame shows kimnote's colours, a note
# typed over VNC arrives in the floppy through the DELTA, the base image and
# the display's files hash as before, nothing of the session is left.
. "$(dirname "$0")/lib.sh"
[ -x "$VNCGRAB" ] || bail "$VNCGRAB not built (make)"
TEAL=1b998b ORANGE=f46036

start_xvfb
make_base sb
make_patch sb "$T/app.kim"
make_floppy "$T/floppy.img"
floppy_sha=$(sha256sum "$T/floppy.img" | cut -d' ' -f1)
base_before=$(hash_tree "$T/vms/sb")
display_before=$(hash_tree /usr/share/fonts /tmp/.X11-unix)

# session VERDICT NAME: run one session, type a note, end with VERDICT.
session() {
	local verdict=$1 s=$T/$2 fifo=$T/$2.ctl port pid i
	mkdir -m 0700 "$s"
	mkfifo "$fifo"
	exec 5<>"$fifo"
	"$ROOT/scripts/dekimberlize_workspace" -s "$s" -v "$T/vms" -a "$T/floppy.img" -x "$XDISPLAY" \
		-A tcg -f "$T/app.kim" sb <"$fifo" >"$s.out" 2>"$s.err" &
	pid=$!
	PIDS+=($pid)
	for ((i = 0; i < 300; i++)); do
		grep -qE '^(RESUMED|ERROR)' "$s.out" && break
		sleep 0.1
	done
	is "$(grep -E '^(RESUMED|ERROR)' "$s.out")" RESUMED "$2: the backend reports RESUMED"
	echo "kimberley-test-$RANDOM" > "$T/vnc.passwd"
	port=$(free_port)
	x11vnc -display "$XDISPLAY" -localhost -once -rfbport "$port" -passwdfile "$T/vnc.passwd" \
		-quiet >"$s.x11vnc.log" 2>&1 &
	PIDS+=($!)
	for ((i = 0; i < 100; i++)); do
		ss -ltn | grep -q "127.0.0.1:$port " && break
		sleep 0.1
	done
	"$VNCGRAB" -H 127.0.0.1 -P "$port" -p "$T/vnc.passwd" -t 20 \
		--expect "$TEAL:0.12" --expect "$ORANGE:0.12" --type "typed over vnc $2\\nsecond line" \
		--wait 300 --shot "$s.png" 2>"$s.vncgrab.log"
	ok $? "$2: the VNC frame shows kimnote's colour signature (teal and orange bands) and takes typing"
	echo "$verdict" >&5
	exec 5>&-
	wait "$pid"
	SESSION_RC=$?
}

session end s1
is "$SESSION_RC" 0 "s1: the backend exits 0 after 'end'"
delta=$(sed -n 's/^DELTA //p' "$T/s1.out")
file=${delta%% *} sha=${delta#* }
is "$file" floppy.vcdiff "s1: DELTA names the delta file"
check "s1: the delta is a VCDIFF (xdelta3) file in the session directory" test -s "$T/s1/$file"
is "$(sha256sum "$T/floppy.img" | cut -d' ' -f1)" "$floppy_sha" "s1: the user's floppy (-a) was not modified"
xdelta3 -d -s "$T/floppy.img" "$T/s1/$file" "$T/floppy.new" 2>/dev/null
is "$(sha256sum "$T/floppy.new" | cut -d' ' -f1)" "$sha" "s1: the delta produces the floppy DELTA's sha256 names"
note=$(MTOOLS_SKIP_CHECK=1 mtype -i "$T/floppy.new" ::note.txt 2>&1)
is "$note" "first line
typed over vnc s1
second line" "s1: the note typed over VNC is in the floppy, after the floppy's old text"
is "$(MTOOLS_SKIP_CHECK=1 mtype -i "$T/floppy.new" ::docs/keep.txt 2>&1)" "first line" "s1: the floppy's other files are kept"
fsck.fat -n "$T/floppy.new" >"$T/fsck.log" 2>&1
ok $? "s1: the new floppy is a clean FAT image (fsck.fat -n)"
is "$(sed -n 's/^BASE_OK //p' "$T/s1.out")" "$(sed -n 's/^identity=//p' "$T/vms/sb/base.info")" "s1: BASE_OK with the base's identity"
is "$(hash_tree "$T/vms/sb")" "$base_before" "s1: the base's files hash as before"
is "$(hash_tree /usr/share/fonts /tmp/.X11-unix)" "$display_before" "s1: the display's system-region files hash as before"
is "$(ls -A "$T/s1")" "$file" "s1: only the delta is left in the session directory"
no_leftovers "s1: no mount of the session is left"
is "$(grep -c '^ERROR' "$T/s1.out")" 0 "s1: no ERROR line"

# a second session from the same patch: the copy-on-modify area started empty,
# the floppy is the original again (the mobile has not applied the delta here)
session abort s2
is "$SESSION_RC" 0 "s2: the backend exits 0 after 'abort'"
is "$(grep -c '^DELTA' "$T/s2.out")" 0 "s2: no DELTA after 'abort'"
like "$(grep '^BASE_' "$T/s2.out")" "BASE_OK" "s2: BASE_OK after 'abort'"
is "$(ls -A "$T/s2")" "" "s2: nothing is left in the session directory"
is "$(hash_tree "$T/vms/sb")" "$base_before" "s2: the base's files hash as before"
done_testing
