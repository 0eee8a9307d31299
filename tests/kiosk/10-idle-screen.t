#!/bin/bash
# kiosk/idle_screen on a real X server (Xvfb): the display's name is spelled
# big in its own colour, the connect command under it; SIGTERM ends it and
# gives the screen back; bad arguments and a missing X server are clear
# one-line errors.
. "$(dirname "$0")/lib.sh"
for f in "$IDLE" "$SC"; do [ -x "$f" ] || bail "$f not built (make)"; done

start_xvfb
"$IDLE" -display "$XDISPLAY" -name "Room B" -hint "Patches: ask at the front desk" 2>"$T/idle.err" &
ipid=$!
PIDS+=($ipid)
check "the name 'Room B' is on the screen, big, in the name colour" wait_text $IDLE_NAME "Room B"
scale=$(sed -n 's/^scale=\([0-9]*\).*/\1/p' "$T/sc.out")
sed 's/^/# /' "$T/sc.out"
check "... magnified at least 6 times (readable across a room)" test "${scale:-0}" -ge 6
check "the connect command is under it" wait_text $IDLE_CMD "Run: mobile_launcher -n 'Room B' -d floppy.img -f app.patch <vm>" 10
"$SC" -display "$XDISPLAY" shot "$T/idle.png" && cp "$T/idle.png" "${KIOSK_SHOTS:-$T}/idle-room-b.png" 2>/dev/null
total=$((1024 * 768))
bg=$("$SC" -display "$XDISPLAY" count $IDLE_BG)
check "the background colour fills most of the screen ($bg of $total)" test "$bg" -gt $((total * 8 / 10))
text=$("$SC" -display "$XDISPLAY" count f0f0f0)
check "the sentence for passers-by and the hint are drawn ($text pixels)" test "$text" -gt 2000

kill -TERM "$ipid"
check "SIGTERM ends it within 2 s" wait_gone "$ipid" 20
is "$gone_rc" 0 "... with status 0"
is "$("$SC" -display "$XDISPLAY" count $IDLE_NAME)" 0 "... and the screen no longer shows it"
is "$(cat "$T/idle.err")" "" "... and it printed nothing on stderr"

# Started with SIGTERM blocked (display_launcher blocks it for sigwait and
# the mask survives exec): SIGTERM still ends it.
python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
os.execv(sys.argv[1], sys.argv[1:])' "$IDLE" -display "$XDISPLAY" -name "Blocked" &
ipid=$!
PIDS+=($ipid)
wait_text $IDLE_NAME "Blocked" >/dev/null
kill -TERM "$ipid"
check "started with SIGTERM blocked by its parent, SIGTERM still ends it" wait_gone "$ipid" 20

# A long name is fitted to the screen; a name with a quote is quoted right.
"$IDLE" -display "$XDISPLAY" -name "Conference room 4.12, east wing, fourth floor (by the lifts)" &
ipid=$!
PIDS+=($ipid)
check "a 60-character name still fits the screen and spells right" wait_text $IDLE_NAME "Conference room 4.12, east wing, fourth floor (by the lifts)"
kill -TERM "$ipid"; wait_gone "$ipid" 20
"$IDLE" -display "$XDISPLAY" -name "Joe's bar" &
ipid=$!
PIDS+=($ipid)
check "a name with a quote: the command quotes it for a shell" \
	wait_text $IDLE_CMD "Run: mobile_launcher -n \"Joe's bar\" -d floppy.img -f app.patch <vm>"
kill -TERM "$ipid"; wait_gone "$ipid" 20
# display_launcher passes its exact connect command (a direct link here).
"$IDLE" -display "$XDISPLAY" -name "Lab" -hint "mobile_launcher -c 10.0.0.5:7070 -d floppy.img -f app.patch <vm>" &
ipid=$!
PIDS+=($ipid)
check "a hint that is a mobile_launcher command replaces the default one" \
	wait_text $IDLE_CMD "Run: mobile_launcher -c 10.0.0.5:7070 -d floppy.img -f app.patch <vm>"
kill -TERM "$ipid"; wait_gone "$ipid" 20

# Another screen size: still full screen.
start_xvfb 640x480
"$IDLE" -display "$XDISPLAY" -name "Small" 2>"$T/lost.err" &
ipid=$!
PIDS+=($ipid)
check "on a 640x480 screen the name shows too" wait_text $IDLE_NAME "Small"
bg=$("$SC" -display "$XDISPLAY" count $IDLE_BG)
check "... and the background fills it ($bg of $((640 * 480)))" test "$bg" -gt $((640 * 480 * 8 / 10))
kill -TERM "$XPID"
check "when the X server goes away, idle_screen exits (no spinning)" wait_gone "$ipid" 50
is "$gone_rc" 1 "... with status 1"
is "$(cat "$T/lost.err")" "idle_screen: lost the X display" "... saying why in one line"

err=$("$IDLE" -display "$XDISPLAY" 2>&1); rc=$?
is "$rc" 2 "no -name: exit status 2"
like "$err" "idle_screen: -name is required" "... and a one-line reason"
err=$("$IDLE" -display :9999 -name x 2>&1); rc=$?
is "$rc" 1 "an X display that is not there: exit status 1"
is "$err" "idle_screen: cannot open X display ':9999'" "... and a one-line reason"
err=$("$IDLE" -name x -bogus 2>&1); rc=$?
is "$rc" 2 "an unknown argument: exit status 2"
like "$err" "idle_screen: unknown argument '-bogus'" "... named in the error"
done_testing
