#!/usr/bin/env bash
# Busy in the listing (issue 17), on the two test hosts of one subnet
# (mDNS): the launcher service's TXT says state=free, state=busy while a
# session runs (avahi-browse -rpt on the mobile) and free again after;
# mobile_launcher --list and its several-displays message say which are free.
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
FIX=$ROOT/tests/fixtures
tap_plan 12
kcm_up
[ -x "$DL" ] && [ -x "$ML" ] || { echo "Bail out! build the launchers first"; exit 1; }

# txt_of NAME: the TXT of NAME's wifi0 IPv4 result as the mobile resolves it
txt_of() {
	on_mob timeout 5 avahi-browse -rpt _kimberley._tcp |
		N=$1 awk -F';' '$1 == "=" && $2 == "wifi0" && $3 == "IPv4" && $4 == ENVIRON["N"] { print $10 }'
}
# wait_txt NAME WORD: until NAME's TXT holds state=WORD (up to ~6 s)
wait_txt() {
	local i
	for i in $(seq 12); do
		TXT=$(txt_of "$1")
		[[ $TXT == *"state=$2"* ]] && return 0
		sleep 0.5
	done
	return 1
}

display_up
tap_like "published as 'Room S' through KCM" "$(cat "$W/display.out")" "display_launcher publishes itself"
start_echo disp e1
publish disp "Room B" "$EPORT"
tap_is "$PUB_NAME" "Room B" "a second display name is published beside it"

wait_txt 'Room\032S' free
tap_is "$TXT" '"state=free" "proto=1" "txtvers=1"' "avahi-browse -rpt on mob: Room S says state=free"
tap_like "^2 Kimberley displays are in range: ('Room S' \(free\), 'Room B' \(free\)|'Room B' \(free\), 'Room S' \(free\))$" \
	"$(on_mob "$ML" --list)" "mobile_launcher --list: both, free"

mkfs.vfat -C -n KIMFLOPPY "$W/f.img" 1440 > /dev/null
head -c 100000 /dev/urandom > "$W/app.patch"
on_mob "$ML" --pings 2 --viewer "$FIX/fake_viewer {host} {port} {password_file} held $W/release" \
	-n "Room S" -d "$W/f.img" -f "$W/app.patch" demo > "$W/mob.out" 2>&1 &
mpid=$!
for i in $(seq 100); do grep -q "close the viewer" "$W/mob.out" && break; sleep 0.1; done
t0=$(date +%s.%N)
wait_txt 'Room\032S' busy
tap_is "$TXT" '"state=busy" "proto=1" "txtvers=1"' "during the session avahi-browse -rpt on mob says state=busy"
tap_diag "seen $(echo "$(date +%s.%N) - $t0" | bc) s after the application was on the screen"
tap_like "'Room S' \(busy\)" "$(on_mob "$ML" --list)" "mobile_launcher --list says Room S is busy"
tap_like "'Room B' \(free\)" "$(on_mob "$ML" --list)" "... and Room B free"
out=$(on_mob "$ML" --pings 2 -f "$W/app.patch" demo 2>&1)
tap_like "2 Kimberley displays are in range: .*'Room S' \(busy\).*; name the one you want \(use -n NAME\)" \
	"$out" "without -n, the several-displays message says which is busy"
touch "$W/release"
wait $mpid
tap_is "$?" 0 "the held session completes"
wait_txt 'Room\032S' free
tap_is "$TXT" '"state=free" "proto=1" "txtvers=1"' "after it avahi-browse -rpt on mob says state=free again"
tap_like "publish: 'Room S' is busy.*publish: 'Room S' is free" "$(kcm_log_of disp | tr '\n' ' ')" \
	"the display's KCM logs both changes"
out=$(on_disp "$KCMCTL" busy "Room Z" yes 2>&1)
tap_like "nothing is published as 'Room Z'" "$out" "set_busy of a name nobody publishes: a clear error"
exit $_tap_failed
