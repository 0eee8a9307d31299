#!/usr/bin/env bash
# Issue 14: SASL accounts (real libsasl2, a sasldb made here with
# saslpasswd2) and the one-time code on the idle screen, through both
# launchers on the direct link.  Each failure says its own thing and
# leaves the display free for the next person; guessing is slowed down.
. "$(dirname "$0")/lib.sh"
tap_plan 44
e2e_setup
# the RPC side runs as its own user (docs/design.md section 7.1): it must
# reach the sasldb and kimberley.conf, nobody else need
chmod 711 "$W"
mkdir -m 750 "$W/sasl"
printf 'secret horse battery\n' | saslpasswd2 -p -c -f "$W/sasl/sasldb" -a kimberley alice
printf 'mech_list: SCRAM-SHA-256 PLAIN\nsasldb_path: %s\npwcheck_method: auxprop\nauxprop_plugin: sasldb\n' \
	"$W/sasl/sasldb" > "$W/sasl/kimberley.conf"
chmod 640 "$W/sasl/sasldb" "$W/sasl/kimberley.conf"
chgrp -R kimberley "$W/sasl" 2>/dev/null || chmod -R o+rX "$W/sasl"
cred() {	# cred FILE USER PASSWORD
	printf 'sasl-user = %s\nsasl-password = "%s"\n' "$2" "$3" > "$1"
	chmod 600 "$1"
}
cred "$W/alice" alice "secret horse battery"
cred "$W/wrongpw" alice "secret horse battery staple"
cred "$W/nobody" mallory "secret horse battery"
make_floppy "$W/f.img"
echo data > "$W/app.patch"
note() { mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r'; }

start_display --auth sasl --sasl-conf "$W/sasl"; tap_ok $? "display up with SASL (service kimberley)"
P="127.0.0.1:$PORT"
tap_like "step=start auth: sasl=yes \(mechanisms SCRAM-SHA-256;" "$(cat "$W/display.log")" \
	"its log lists the mechanisms a direct link gets"
tap_like "^MECHS: SCRAM-SHA-256 PLAIN$" "$("$POKE" "$P" mechs)" \
	"hello offers SCRAM-SHA-256, and PLAIN (a loopback listen: the tunnel's end)"

# a session with SCRAM-SHA-256
out=$(mobile scram -d "$W/f.img" -f "$W/app.patch" --auth-file "$W/alice" \
	--log "$W/mobile.log" demo 2>&1)
tap_is "$(note)" "scram" "a SCRAM-SHA-256 session completes through both launchers"
tap_like "step=auth ok mechanism=SCRAM-SHA-256$" "$(cat "$W/mobile.log")" \
	"... the mobile chose SCRAM-SHA-256 (not PLAIN)"
tap_like 'step=auth conn=[0-9]+ mechanism="SCRAM-SHA-256" user="alice" ok' \
	"$(cat "$W/display.log")" "... the display's log names the user"
tap_ok "$(! grep -q "horse" "$W/display.log" "$W/mobile.log"; echo $?)" \
	"the password appears in no log"

# wrong password, unknown user: one message to the mobile, two in the log
out=$(mobile x -d "$W/f.img" -f "$W/app.patch" --auth-file "$W/wrongpw" demo 2>&1); rc=$?
tap_like "authentication with the display failed: wrong user name or password" "$out" \
	"a wrong password is refused (exit $rc)"
tap_like 'mechanism="SCRAM-SHA-256" refused: wrong password' "$(cat "$W/display.log")" \
	"... the display's log says: wrong password"
out=$(mobile x -d "$W/f.img" -f "$W/app.patch" --auth-file "$W/nobody" demo 2>&1)
tap_like "authentication with the display failed: wrong user name or password" "$out" \
	"an unknown user gets the same message"
tap_like 'mechanism="SCRAM-SHA-256" refused: unknown user' "$(cat "$W/display.log")" \
	"... the display's log says: unknown user"
tap_is "$(note)" "scram" "neither touched the floppy"

# a mechanism the display does not offer
out=$(mobile x -d "$W/f.img" -f "$W/app.patch" --auth-file "$W/alice" \
	--sasl-mech DIGEST-MD5 demo 2>&1)
tap_like "does not offer the mechanism DIGEST-MD5 \(it offers: SCRAM-SHA-256 PLAIN\)" "$out" \
	"the mobile says the display does not offer the mechanism asked for"
out=$("$POKE" "$P" auth DIGEST-MD5 "")
tap_like "^STEP: AUTH_MECH:" "$out" "a client that asks anyway is refused (AUTH_MECH)"
tap_like "does not offer the mechanism \"DIGEST-MD5\" here; it offers: SCRAM-SHA-256 PLAIN" "$out" \
	"... with what it offers"

# no credentials and no terminal
out=$(mobile x -d "$W/f.img" -f "$W/app.patch" demo 2>&1 < /dev/null)
tap_like "asks for a user name and password; give them with --auth-file FILE" "$out" \
	"without credentials (and no terminal) the mobile says how to give them"
chmod 644 "$W/alice"
out=$(mobile x -d "$W/f.img" -f "$W/app.patch" --auth-file "$W/alice" demo 2>&1)
tap_like "may be read by others \(mode 644\)" "$out" "an auth file others may read is refused"
chmod 600 "$W/alice"
tap_ok "$(! "$ML" --sasl-password x -h > /dev/null 2>&1; echo $?)" \
	"there is no --sasl-password option (never argv)"

# typed on a terminal: the user name echoed, the password not
out=$("$ROOT/tests/e2e/pty-type" "User name on 'Test display': " alice \
	"Password of alice on 'Test display': " "secret horse battery" -- \
	"$ML" -c "127.0.0.1:$PORT" --pings 2 \
	--viewer "$FIX/fake_viewer {host} {port} {password_file} typed" \
	-d "$W/f.img" -f "$W/app.patch" demo 2>&1)
[ "$(note)" = "typed" ] || tap_diag "$out"
tap_is "$(note)" "typed" "user name and password typed at the prompts open a session"
tap_like "User name on 'Test display': alice" "$out" "... the terminal echoed the user name"
tap_ok "$(! printf '%s' "$out" | grep -q horse; echo $?)" \
	"... the password was not echoed (the terminal shows: $(printf '%s' "$out" | grep -o "Password of[^\r]*" | head -1))"

# a client that stops mid-exchange; one that calls other procedures first
tap_like "^STEP: AUTH_CONTINUE:" "$("$POKE" "$P" auth SCRAM-SHA-256 'n,,n=alice,r=abcdefgh' hang-up)" \
	"a client starts SCRAM and hangs up mid-exchange"
out=$("$POKE" "$P" auth SCRAM-SHA-256 'n,,n=alice,r=abcdefgh' name app.patch)
tap_like "^AUTH_REQUIRED:" "$(printf '%s\n' "$out" | sed -n 2p)" \
	"sending a file in the middle of the exchange is refused (AUTH_REQUIRED)"
out=$("$POKE" "$P" auth SCRAM-SHA-256 'n,,n=alice,r=abcdefgh' start demo app.patch)
tap_like "^AUTH_REQUIRED:" "$(printf '%s\n' "$out" | sed -n 2p)" \
	"starting a session in the middle of the exchange is refused"
tap_like "^AUTH_REQUIRED:" "$("$POKE" "$P" name app.patch)" \
	"sending a file without authenticating at all is refused"
out=$(mobile after-stop -d "$W/f.img" -f "$W/app.patch" --auth-file "$W/alice" demo 2>&1)
[ "$(note)" = "after-stop" ] || tap_diag "$out" "$(tail -12 "$W/display.log")"
tap_is "$(note)" "after-stop" "... and the display is free for the next person"

# PLAIN on loopback
tap_like "^STEP: OK:" "$("$POKE" "$P" auth PLAIN '%00alice%00secret horse battery')" \
	"PLAIN works on the loopback listen (where KCM's tunnel ends)"

# guessing: fresh connections, as fast as they come, for 3 s
t_end=$((SECONDS + 3)); n=0; : > "$W/guesses"
while [ $SECONDS -lt $t_end ]; do
	"$POKE" "$P" auth PLAIN '%00alice%00guess' >> "$W/guesses" 2>&1; n=$((n + 1))
done
failed=$(grep -c '^STEP: AUTH_FAILED:' "$W/guesses")
tap_ok "$([ "$failed" -le 8 ]; echo $?)" \
	"$n password guesses in 3 s: $failed were tried (at most 8)"
tap_like "^STEP: AUTH_WAIT:" "$(cat "$W/guesses")" "... the others were told to wait"
tap_like "step=auth under attack\? .*\(SASL\)" "$(cat "$W/display.log")" \
	"the log says the display is under attack"
stop_display

# a direct link on a non-loopback address never gets PLAIN
start_display --auth sasl --sasl-conf "$W/sasl" -l 0.0.0.0:0
P="127.0.0.1:$PORT"
tap_like "^MECHS: SCRAM-SHA-256$" "$("$POKE" "$P" mechs)" \
	"listening on 0.0.0.0 (a direct link), hello offers no PLAIN"
tap_like "^STEP: AUTH_MECH:" "$("$POKE" "$P" auth PLAIN '%00alice%00secret horse battery')" \
	"... and refuses it when asked"
stop_display

# the code on the screen
export KIM_TEST_IDLE_CODE="$W/shown"
start_display --auth screen-code --idle-screen "$FIX/fake_idle_screen"
P="127.0.0.1:$PORT"
for i in $(seq 150); do [ -s "$W/shown" ] && break; sleep 0.1; done
code1=$(cat "$W/shown")
tap_like "^[0-9]{10}$" "$code1" "the idle screen shows a 10-digit code"
tap_like "^MECHS: screen-code$" "$("$POKE" "$P" mechs)" "hello offers screen-code"
printf '%s\n' "$code1" | tr 0-9 1-90 > "$W/typed"	# every digit wrong
out=$(mobile x -d "$W/f.img" -f "$W/app.patch" --screen-code-file "$W/typed" demo 2>&1)
tap_like "wrong code \(a new one is on the display's screen now\)" "$out" \
	"a wrong code is refused"
for i in $(seq 150); do [ "$(cat "$W/shown")" != "$code1" ] && break; sleep 0.1; done
code2=$(cat "$W/shown")
tap_ok "$([ "$code2" != "$code1" ] && [ -n "$code2" ]; echo $?)" \
	"... and the screen shows a new code"
printf '%s\n' "$code1" > "$W/typed"
out=$(mobile x -d "$W/f.img" -f "$W/app.patch" --screen-code-file "$W/typed" demo 2>&1)
tap_like "wrong code" "$out" "the old code no longer works"
for i in $(seq 150); do [ "$(cat "$W/shown")" != "$code2" ] && break; sleep 0.1; done
code3=$(cat "$W/shown")
printf '%s %s\n' "${code3:0:5}" "${code3:5}" > "$W/typed"	# as shown
out=$(mobile screen -d "$W/f.img" -f "$W/app.patch" --screen-code-file "$W/typed" \
	--log "$W/mobile.log" demo 2>&1)
[ "$(note)" = "screen" ] || tap_diag "$out" "shown now: $(cat "$W/shown"); typed: $(cat "$W/typed")" \
	"$(grep step=auth "$W/display.log" | tail -5)"
tap_is "$(note)" "screen" "with the code read off the screen the session completes"
for i in $(seq 150); do [ "$(cat "$W/shown")" != "$code3" ] && break; sleep 0.1; done
tap_ok "$([ "$(cat "$W/shown")" != "$code3" ]; echo $?)" "the next person gets a new code"
tap_like "step=auth screen code changed \(a wrong code was typed\)" "$(cat "$W/display.log")" \
	"the log says when the code changed"
tap_ok "$(! grep -qE "$code1|$code2|$code3" "$W/display.log" "$W/mobile.log"; echo $?)" \
	"no code appears in a log"
stop_display

# both: an account and the code on the screen
# (a file of its own: the last display's idle screen, ended while it
# wrote, may still rename its file a moment later)
export KIM_TEST_IDLE_CODE="$W/shown-both"
start_display --auth sasl,screen-code --sasl-conf "$W/sasl" --idle-screen "$FIX/fake_idle_screen"
for i in $(seq 150); do [ -s "$W/shown-both" ] && break; sleep 0.1; done
cp "$W/shown-both" "$W/typed"
out=$(mobile x -d "$W/f.img" -f "$W/app.patch" --auth-file "$W/alice" demo 2>&1 < /dev/null)
tap_like "asks for the code on its screen" "$out" "with both required, the account alone is not enough"
out=$(mobile both -d "$W/f.img" -f "$W/app.patch" --auth-file "$W/alice" \
	--screen-code-file "$W/typed" --log "$W/mobile.log" demo 2>&1)
[ "$(note)" = "both" ] || tap_diag "$out" "shown now: $(cat "$W/shown-both"); typed: $(cat "$W/typed")" \
	"$(grep step=auth "$W/display.log" | tail -6)"
tap_is "$(note)" "both" "with the account and the screen code the session completes"
tap_like "step=auth ok mechanism=SCRAM-SHA-256\+screen-code" "$(cat "$W/mobile.log")" \
	"... through both mechanisms"
stop_display
unset KIM_TEST_IDLE_CODE
exit $_tap_failed
