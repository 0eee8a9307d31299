#!/usr/bin/env bash
# Slow and silent clients (issue 10 items 5 and 4): the idle timeout bounds
# every read, also inside a record -- half a record then silence, or a byte
# at a time, is dropped within --idle-timeout; a connection that does not
# authenticate within --auth-timeout is dropped even if it keeps pinging,
# while an authenticated session outlives that deadline.
. "$(dirname "$0")/lib.sh"
tap_plan 8
e2e_setup
# under LIMIT seconds: "closed after X s" / "dropped after X s" with X < LIMIT
within() { printf '%s\n' "$2" | awk -v l="$1" '/ after / && $3 < l { ok = 1 } END { exit !ok }'; }

start_display --idle-timeout 2; tap_ok $? "display up, --idle-timeout 2"
P="127.0.0.1:$PORT"
out=$("$POKE" "$P" raw-half 10)
tap_ok "$(within 4 "$out"; echo $?)" "half a record, then silence: dropped within the idle timeout ($out)"
out=$("$POKE" "$P" raw-drip 1 10)
tap_ok "$(within 4 "$out"; echo $?)" "one byte a second: dropped within the idle timeout ($out)"
tap_like "conn=[0-9]+ .*(no complete call|silent) .*2 s" "$(cat "$W/display.log")" "the log says why"
stop_display

echo "4711-blue-heron" > "$W/code"
start_display --access-code-file "$W/code" --auth-timeout 2; tap_ok $? "display up with an access code, --auth-timeout 2"
P="127.0.0.1:$PORT"
out=$("$POKE" "$P" pinger 0.5 10)
tap_ok "$(within 4 "$out"; echo $?)" "hello and pings without authenticating: dropped within the auth timeout ($out)"
make_floppy "$W/f.img"
echo data > "$W/app.patch"
mobile_held kept "$W/release" "$W/m.out" -d "$W/f.img" -f "$W/app.patch" --access-code-file "$W/code" demo
sleep 3
touch "$W/release"
wait $MPID; rc=$?
tap_is "$rc" 0 "an authenticated session lasts past the auth timeout"
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT 2>/dev/null | tr -d '\r')" "kept" "... and its note reaches the floppy"
exit $_tap_failed
