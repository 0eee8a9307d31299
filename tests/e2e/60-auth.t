#!/usr/bin/env bash
# A display with an access code: nothing but a ping and hello before the
# challenge is answered; a wrong code is refused; the right one works; the
# code itself never crosses the link or reaches a log.  Also: the display's
# latency-threshold advice reaches the mobile.
. "$(dirname "$0")/lib.sh"
tap_plan 20
e2e_setup
echo "4711-blue-heron" > "$W/code"
echo "4711-red-heron" > "$W/wrong"
start_display --access-code-file "$W/code" --latency-threshold 7; tap_ok $? "display up with an access code"
P="127.0.0.1:$PORT"
tap_like "^AUTH_REQUIRED:" "$("$POKE" "$P" name app.patch)" "sending a file before authenticating is refused"
tap_like "^AUTH_REQUIRED:" "$("$POKE" "$P" start demo app.patch)" "starting a session before authenticating is refused"
make_floppy "$W/f.img"
echo data > "$W/app.patch"
out=$(mobile x -d "$W/f.img" -f "$W/app.patch" demo 2>&1 < /dev/null)
tap_like "asks for its access code; give it with --access-code-file" "$out" \
	"without a code (and no terminal) the mobile says how to give one"
out=$(mobile x -d "$W/f.img" -f "$W/app.patch" --access-code-file "$W/wrong" demo 2>&1)
tap_like "authentication with the display failed: wrong access code" "$out" "a wrong code is refused"
out=$(mobile with-code -d "$W/f.img" -f "$W/app.patch" --access-code-file "$W/code" \
	--log "$W/mobile.log" demo 2>&1)
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "with-code" "with the right code the session completes"
tap_like "step=auth ok mechanism=access-code" "$(cat "$W/mobile.log")" "... through the access-code mechanism"
tap_ok "$(! grep -q heron "$W/display.log" "$W/mobile.log"; echo $?)" "the code appears in no log"
# issue 10 item 4: a stranger's hello (no code) must not take the display
"$POKE" "$P" hold 20 > "$W/stranger.out" 2>&1 &
SPID=$!; e2e_bg $SPID
for i in $(seq 50); do [ -s "$W/stranger.out" ] && break; sleep 0.1; done
tap_like "^OK:" "$(cat "$W/stranger.out")" "a stranger's hello is answered (the display is free)"
out=$(mobile after-stranger -d "$W/f.img" -f "$W/app.patch" --access-code-file "$W/code" 2>&1 demo)
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "after-stranger" \
	"... but the person with the code still gets the display (not BUSY)"
mobile_held held "$W/hold" "$W/held.out" -d "$W/f.img" -f "$W/app.patch" \
	--access-code-file "$W/code" demo
tap_like "^BUSY:" "$("$POKE" "$P" hello)" "while an authenticated person owns it, hello says BUSY"
touch "$W/hold"; wait $MPID
kill $SPID 2>/dev/null
tap_like "threshold_ms=7(\.0)? " "$(grep 'step=usb' "$W/mobile.log")" \
	"the display's latency-threshold advice is the mobile's threshold"
# issue 10 item 10: guessing the code is slowed down across connections
# (from fresh connections, as fast as they come, for 3 s), and the right
# code works again once the wait is over
t_end=$((SECONDS + 3)); n=0; : > "$W/guesses"
while [ $SECONDS -lt $t_end ]; do
	"$POKE" "$P" guess 4711-red-heron >> "$W/guesses" 2>&1; n=$((n + 1))
done
failed=$(grep -c '^AUTH_FAILED:' "$W/guesses")
tap_ok "$([ "$failed" -le 8 ]; echo $?)" \
	"$n guesses in 3 s from fresh connections: $failed were tried (at most 8)"
tap_like "^AUTH_WAIT:" "$(cat "$W/guesses")" "... the others were told to wait"
# the right code next, at a moment the wait has at least 2 s left (the 3 s
# of guessing can end just as a 2 s wait runs out: the right code was then
# tried, and this failed on a slow machine)
for i in $(seq 100); do
	last=$("$POKE" "$P" guess 4711-red-heron 2>&1)
	left=$(printf '%s\n' "$last" | sed -n 's/.*try again in \([0-9]*\) s.*/\1/p')
	[[ $last == AUTH_WAIT:* ]] && [ "${left:-0}" -ge 2 ] && break
	sleep 0.1
done
tap_diag "the right code $i guess(es) later, the wait then ${left:-?} s"
out=$("$POKE" "$P" guess 4711-blue-heron)
tap_like "^AUTH_WAIT:" "$out" "during the wait even the right code is not tried"
wait_s=$(printf '%s\n' "$out" | sed -n 's/.*try again in \([0-9]*\) s.*/\1/p')
tap_like "^[0-9]+$" "$wait_s" "... and the refusal says how long to wait"
sleep "${wait_s:-1}"
tap_like "^OK:" "$("$POKE" "$P" guess 4711-blue-heron)" "after the wait the right code works"
tap_like "step=auth .*under attack" "$(cat "$W/display.log")" "the log says the display is under attack"
stop_display

# a code too short to withstand guessing is refused at start
printf '12345678\n' > "$W/short"
out=$(timeout 10 "$DL" -l 127.0.0.1:0 --spool "$W/spool" --vm-dir "$W/vms" \
	--setup-script "$FIX/fake_display_setup" --idle-screen none \
	--access-code-file "$W/short" "Short code" 2>&1); rc=$?
tap_ok "$([ $rc -eq 2 ]; echo $?)" "a display with an 8-character code does not start (exit $rc)"
tap_like "has 8 characters; at least 10" "$out" "... and says why"
exit $_tap_failed
