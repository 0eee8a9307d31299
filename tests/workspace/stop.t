#!/bin/bash
# The end of a session never waits unbounded on a helper that ignores
# SIGTERM (issue 10 item 21: x11vnc blocked in a futex with a viewer
# connected).  scripts/display_setup runs a workspace session with a test
# double for x11vnc first on PATH: it announces a port the way x11vnc does,
# then ignores SIGTERM.  After "end" the script must be done within its
# grace period (KIM_STOP_GRACE) plus a margin, with the double gone
# (SIGKILL), and the session's delta still made.
. "$(dirname "$0")/lib.sh"
GRACE=2 MARGIN=6

start_xvfb
make_base gb
make_patch gb "$T/app.kim"
make_floppy "$T/floppy.img"

# the test double: "x11vnc" that prints PORT= and ignores SIGTERM
mkdir "$T/bin"
cat > "$T/bin/x11vnc" <<'SH'
#!/bin/bash
# TEST DOUBLE for x11vnc (tests/workspace/stop.t): ignores SIGTERM.
trap '' TERM
echo "PORT=5999"
while :; do sleep 0.1; done
SH
chmod +x "$T/bin/x11vnc"

mkdir -m 0700 "$T/sess"
mkfifo "$T/ctl"
exec 5<>"$T/ctl"
PATH=$T/bin:$PATH KIM_STOP_GRACE=$GRACE "$ROOT/scripts/display_setup" -s "$T/sess" -v "$T/vms" \
	-a "$T/floppy.img" -x "$XDISPLAY" gb "$T/app.kim" <"$T/ctl" >"$T/out" 2>"$T/err" &
SP=$!
PIDS+=($SP)
for ((i = 0; i < 300; i++)); do
	grep -qE '^(RESUMED|ERROR)' "$T/out" && break
	sleep 0.1
done
is "$(grep -E '^(VNC|RESUMED|ERROR)' "$T/out" | tr '\n' ' ')" "VNC 5999 RESUMED " \
	"display_setup reports the double's port and the app resumed"
check "the x11vnc double runs" pgrep -f -- "$T/bin/x11vnc"

t0=${EPOCHREALTIME/[.,]/}
echo end >&5
exec 5>&-
# bounded here, not by the script: a hang fails the test instead of the run
for ((i = 0; i < (GRACE + MARGIN + 20) * 10; i++)); do
	kill -0 "$SP" 2>/dev/null || break
	sleep 0.1
done
t1=${EPOCHREALTIME/[.,]/}
ms=$(( (t1 - t0) / 1000 ))
echo "# display_setup ended ${ms} ms after 'end' (grace ${GRACE} s)"
if kill -0 "$SP" 2>/dev/null; then
	ok 1 "display_setup ends within grace + ${MARGIN} s after 'end' (still running after ${ms} ms)"
	pkill -KILL -f -- "$T/bin/x11vnc"
else
	check "display_setup ends within grace + ${MARGIN} s after 'end' (${ms} ms)" \
		test "$ms" -lt $(( (GRACE + MARGIN) * 1000 ))
fi
wait "$SP"
is "$?" 0 "display_setup exits 0"
is "$(pgrep -f -- "$T/bin/x11vnc")" "" "the x11vnc double is gone (killed after the grace period)"
like "$(cat "$T/err")" "ignored SIGTERM" "the display's log says a helper ignored SIGTERM and was killed"
check "the session's delta was still made" grep -q '^DELTA floppy.vcdiff' "$T/out"
no_leftovers "no mount of the session is left"
done_testing
