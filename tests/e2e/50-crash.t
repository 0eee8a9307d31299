#!/usr/bin/env bash
# A display_launcher that crashed in the middle of a session: the next one
# on the same spool ends what the crash left behind and starts clean.
. "$(dirname "$0")/lib.sh"
tap_plan 5
e2e_setup
start_display; tap_ok $? "display up"
make_floppy "$W/f.img"
# a setup script that hangs (and so ignores its closed stdin, unlike a
# well-behaved one, which ends by itself when the launcher dies)
echo FIXTURE-HANG > "$W/hang.patch"
"$ML" -c "127.0.0.1:$PORT" --pings 1 -d "$W/f.img" -f "$W/hang.patch" demo > "$W/m.out" 2>&1 &
e2e_bg $!
for i in $(seq 100); do grep -q "hanging as asked" "$W/display.log" && break; sleep 0.1; done
spool=$(cd "$W/spool" && pwd -P)
# the session's processes, by the mark they inherit
marked() {
	local p n=0
	for p in /proc/[0-9]*; do
		{ tr '\0' '\n' < "$p/environ"; } 2>/dev/null |
			grep -qxF "KIMBERLEY_DISPLAY_SPOOL=$spool" && n=$((n + 1))
	done
	echo $n
}
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
n=$(marked)
tap_ok "$([ "$n" -ge 1 ]; echo $?)" "the crash leaves the session's setup script running ($n)"
tap_ok "$([ -n "$(ls -A "$W/spool")" ]; echo $?)" "... and files in the spool"
start_display
for i in $(seq 50); do [ "$(marked)" = 0 ] && break; sleep 0.1; done
tap_is "$(marked)" 0 "a new display_launcher on the same spool ends them"
spool_empty; tap_ok $? "... and empties the spool"
exit $_tap_failed
