#!/bin/bash
# Issue 14's code on the screen, end to end on a real X server (Xvfb): the
# real kiosk/idle_screen started by display_launcher (--auth screen-code)
# draws the one-time code; the test reads it off the screen's pixels
# (screencheck read: each character cell matched against the font's
# glyphs), and the scripted person types it into mobile_launcher.  A wrong
# code puts a new one on the screen; after the session the next person
# gets a new one again.  (The session itself uses the fixture setup script
# and viewer, as tests/e2e does.)
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
FIX=$ROOT/tests/fixtures
IDLE_CODE=9dff8a
for f in "$DL" "$ML" "$IDLE" "$SC"; do [ -x "$f" ] || bail "$f not built (make)"; done
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "$T" ] && rm -rf "${T:?}"
}
trap cleanup EXIT

# read_code [NOT]: the code on the screen (digits only), once it differs
# from NOT; "" after 15 s
read_code() {
	local i got
	for i in $(seq 150); do
		got=$("$SC" -display "$XDISPLAY" read $IDLE_CODE "0123456789 " 11 2>/dev/null | tr -d ' ')
		if [ ${#got} = 10 ] && [ "$got" != "${1:-}" ]; then
			echo "$got"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

start_xvfb
mkdir -p "$T/spool" "$T/vms/demo"
echo "fixture base disk" > "$T/vms/demo/disk.img"
"$DL" -l 127.0.0.1:0 --port-file "$T/port" --spool "$T/spool" --vm-dir "$T/vms" \
	--setup-script "$FIX/fake_display_setup" --auth screen-code \
	--x-display "$XDISPLAY" --idle-screen "$IDLE" --log "$T/display.log" "Code display" \
	>"$T/display.out" 2>&1 &
PIDS+=($!)
for i in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT=$(cat "$T/port")
code1=$(read_code)
ok $? "the idle screen shows a code that the test reads off the pixels ($code1)"
"$SC" -display "$XDISPLAY" shot "$T/code.png" && cp "$T/code.png" "${KIOSK_SHOTS:-$T}/idle-screen-code.png" 2>/dev/null
like "$("$SC" -display "$XDISPLAY" text $IDLE_CODE "${code1:0:5} ${code1:5}")" "scale=" \
	"... drawn as two groups of five, magnified"

mkfs.vfat -C -n KIMFLOPPY "$T/f.img" 1440 > /dev/null
echo data > "$T/app.patch"
mobile() {	# mobile NOTE CODE
	printf '%s\n' "$2" > "$T/typed"
	"$ML" -c "127.0.0.1:$PORT" --pings 2 \
		--viewer "$FIX/fake_viewer {host} {port} {password_file} $1" \
		-d "$T/f.img" -f "$T/app.patch" --screen-code-file "$T/typed" demo 2>&1
}
wrong=$(printf '%s' "$code1" | tr 0-9 1-90)
out=$(mobile x "$wrong")
like "$out" "wrong code (a new one is on the display's screen now)" "a wrong code is refused"
code2=$(read_code "$code1")
ok $? "... and the screen shows a new code ($code2)"
out=$(mobile typed "$code2")
is "$(mtype -i "$T/f.img" ::NOTE.TXT | tr -d '\r')" "typed" \
	"the code read off the screen and typed opens a session"
code3=$(read_code "$code2")
ok $? "after the session the next person sees a new code ($code3)"
out=$(mobile x "$code2")
like "$out" "wrong code" "the used code does not work again"
ok "$(! grep -qE "$code1|$code2|$code3" "$T/display.log"; echo $?)" "no code is in the log"
done_testing
