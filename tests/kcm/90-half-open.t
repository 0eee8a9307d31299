#!/usr/bin/env bash
# Item 12 of issue 10: TCP clients that connect to the display's TLS port
# and never speak (half-open clients, a port scan).  KCM gives each a
# handshake deadline (default 10 s), holds at most 32 such connections
# (the oldest goes first), and dials display_launcher only after a
# handshake: KCM's descriptors come back to their baseline, the display
# never hears of them, and a real session works in the middle of a flood.
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
FIX=$ROOT/tests/fixtures
FLOOD=52
CAP=32       # KCM's default --max-pending
DEADLINE=10  # KCM's default --handshake-timeout, s
tap_plan 11
kcm_up
[ -x "$DL" ] && [ -x "$ML" ] || { echo "Bail out! build the launchers first"; exit 1; }

display_up
tap_like "published as 'Room S' through KCM" "$(cat "$W/display.out")" "display_launcher publishes itself"

port=$(on_mob avahi-browse -prt _kimberley._tcp 2>/dev/null |
	awk -F';' '$1 == "=" && $3 == "IPv4" && $2 == "wifi0" { print $9; exit }')
kpid=$(kcm_pid disp)
fds() { ls "/proc/$kpid/fd" | wc -l; }
conns() { grep -cE 'step=connect conn=[0-9]+ peer=[^ ]+$' "$W/display.log"; }
# fds_back N: wait up to N s for KCM's descriptors to be back to $base
fds_back() {
	local i
	for i in $(seq $(($1 * 10))); do [ "$(fds)" -le "$base" ] && return 0; sleep 0.1; done
	return 1
}
sleep 0.5
base=$(fds)
c0=$(conns)
tap_diag "display's KCM: pid $kpid, TLS port $port, $base descriptors"

flood() {  # flood TAG: $FLOOD silent connections from mob, held until the test ends
	hosts_bg mob python3 "$ECHO" hold "$DISP_WIFI_IP" "$port" "$FLOOD" "$W/hold.$1"
	wait_for "$W/hold.$1" 10 "$HOSTS_LAST_PID"
}
flood 1; tap_ok $? "$FLOOD TCP connections to the display's TLS port that never speak"
t0=$(date +%s.%N)
sleep 1
peak=$(fds)
tap_ok "$([ "$peak" -le $((base + CAP)) ]; echo $?)" \
	"KCM holds at most $CAP of them: $peak descriptors (baseline $base)"
tap_is "$(conns)" "$c0" "display_launcher saw none of them (no handshake, no inward dial)"
fds_back $((DEADLINE + 4))
tap_ok $? "after the handshake deadline KCM is back to $base descriptors ($(fds) after $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-4) s) though the clients still hold theirs"

# A flood going on, and a real person walks up.
flood 2
mkfs.vfat -C -n KIMFLOPPY "$W/f.img" 1440 > /dev/null
head -c 200000 /dev/urandom > "$W/app.patch"
out=$(on_mob timeout 60 "$ML" --pings 3 --viewer "$FIX/fake_viewer {host} {port} {password_file} amid-flood" \
	-n "Room S" -d "$W/f.img" -f "$W/app.patch" demo 2>&1)
rc=$?
tap_is "$rc" 0 "a real session works while $FLOOD silent connections are held"
[ "$rc" = 0 ] || tap_diag "$out"
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "amid-flood" "its floppy holds the note"
fds_back $((DEADLINE + 4))
tap_ok $? "and KCM is back to $base descriptors afterwards ($(fds))"
tap_like "relay: .*(handshake|pending)" "$(grep -h 'prog=kcm ' "$HOSTS_DIR/disp/session.log")" \
	"KCM's log says what it dropped"
err=$("$KCM" --handshake-timeout 0 2>&1)
tap_like "^kcm: the handshake timeout \\(s\\) must be a number from 0.1 to 600, not '0'$" "$err" \
	"a handshake timeout of 0 is refused in one line"
err=$(KCM_MAX_PENDING=lots "$KCM" 2>&1)
tap_like "^kcm: the number of pending connections must be a whole number from 1 to 4096, not 'lots'$" \
	"$err" "so is a bad KCM_MAX_PENDING"
exit $_tap_failed
