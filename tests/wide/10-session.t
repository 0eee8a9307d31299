#!/usr/bin/env bash
# Displays across subnets (issue 17): disp and mob on two subnets joined by
# a router namespace that forwards IPv4 but no multicast, BIND 9 on the
# router authoritative for kim.test with TSIG-signed updates.  The display's
# KCM registers "Room S" in kim.test by dynamic update; mDNS provably does
# not cross (avahi-browse on mob sees nothing; -n without --domain fails);
# with --domain kim.test a whole session runs through the KCM TLS tunnel
# across the router; TXT says state=busy during it (dig), free after; the
# records are gone when display_launcher stops.
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
FIX=$ROOT/tests/fixtures
INST='Room\032S._kimberley._tcp.kim.test'
tap_plan 28
wide_up
[ -x "$DL" ] && [ -x "$ML" ] || { echo "Bail out! build the launchers first"; exit 1; }

on_mob ping -c 1 -W 2 "$DISP_WIFI_IP" > /dev/null
tap_ok $? "mob (10.79.0.2) reaches disp (10.77.0.1) through the router"
tap_is "$(on_mob ip route get "$DISP_WIFI_IP" | grep -o 'via [0-9.]*')" "via $ROUTER_MOB_IP" \
	"... by way of the router, not a shared link"

display_up
tap_like "published as 'Room S' through KCM" "$(cat "$W/display.out")" "display_launcher publishes itself through KCM"
for i in $(seq 50); do [ -n "$(dig_short mob "$INST" SRV)" ] && break; sleep 0.1; done
tap_is "$(dig_short mob _kimberley._tcp.kim.test PTR)" "$INST." "the DNS server has the PTR record (as mob asks it)"
srv=$(dig_short mob "$INST" SRV)
tap_like "^0 0 [0-9]+ disp\.kim\.test\.$" "$srv" "... the SRV record: port and target"
tap_is "$(dig_short mob disp.kim.test A)" "$DISP_WIFI_IP" "... the target's A record: the display's address"
tap_is "$(dig_short mob "$INST" TXT)" '"txtvers=1" "proto=1" "state=free"' "... the TXT record says free"
tap_like "wide-area: register 'Room S' in kim.test: done" "$(kcm_log_of disp)" "the display's KCM logs the update"

# mDNS does not cross the router.
tap_like "Room.032S;_kimberley._tcp;local" "$(on_disp timeout 4 avahi-browse -rpt _kimberley._tcp)" \
	"avahi-browse on disp sees Room S on its own subnet (mDNS)"
tap_is "$(on_mob timeout 4 avahi-browse -pt _kimberley._tcp | grep -c Room)" 0 \
	"avahi-browse on mob does not (mDNS stops at the router)"

tap_is "$(on_mob "$ML" --list)" "No Kimberley display is in range." \
	"mobile_launcher --list on mob, mDNS only: no display"
tap_is "$(on_mob "$ML" --list --domain kim.test)" \
	"1 Kimberley display is in range: 'Room S' (free, in kim.test)" \
	"mobile_launcher --list --domain kim.test: Room S, free"

mkfs.vfat -C -n KIMFLOPPY "$W/f.img" 1440 > /dev/null
mcopy -i "$W/f.img" - ::KEEP.TXT <<< "kept from before"
head -c 1000000 /dev/urandom > "$W/app.patch"
mobile() {  # mobile NOTE [options...]
	local note=$1
	shift
	on_mob "$ML" --pings 3 --viewer "$FIX/fake_viewer {host} {port} {password_file} $note $W/release" "$@"
}
touch "$W/release"
t0=$(date +%s.%N)
out=$(mobile nope -n "Room S" -d "$W/f.img" -f "$W/app.patch" demo 2>&1)
rc=$?
tap_ok "$([ $rc -ne 0 ]; echo $?)" "mobile_launcher -n 'Room S' without --domain fails on mob"
tap_like "no Kimberley display named 'Room S' is in range" "$out" "... saying no display of that name is in range (mDNS does not cross)"

rm -f "$W/release"
on_mob "$ML" --pings 3 --viewer "$FIX/fake_viewer {host} {port} {password_file} across-the-router $W/release" \
	--domain kim.test -n "Room S" -d "$W/f.img" -f "$W/app.patch" demo > "$W/mob.out" 2>&1 &
mpid=$!
busy=
for i in $(seq 150); do
	busy=$(dig_short mob "$INST" TXT)
	[[ $busy == *state=busy* ]] && break
	sleep 0.1
done
tap_is "$busy" '"txtvers=1" "proto=1" "state=busy"' "during the session the TXT record says busy (dig on mob)"
t0=$(date +%s.%N)
for i in $(seq 10); do
	mdns=$(on_disp timeout 4 avahi-browse -rpt _kimberley._tcp | grep '^=')
	[[ $mdns == *state=busy* ]] && break
	sleep 0.3
done
tap_like '"state=busy"' "$mdns" "... and so does the mDNS TXT on disp's subnet (avahi-browse -rpt)"
tap_diag "mDNS TXT seen busy $(echo "$(date +%s.%N) - $t0" | bc) s after the DNS said so"
# mob's Avahi caches the TXT record it saw before the session (free) for
# its TTL, 5 s (KCM_WIDE_TXT_TTL): the listing says busy within that.
t0=$(date +%s.%N)
for i in $(seq 40); do
	listed=$(on_mob "$KCMCTL" list -t 3000 --domain kim.test)
	[[ $listed == *busy* ]] && break
	sleep 0.25
done
tap_is "$listed" "Room S	busy	kim.test" \
	"kcmctl list --domain kim.test on mob during the session: busy"
tap_diag "the listing on mob said busy $(echo "$(date +%s.%N) - $t0" | bc) s after the DNS did"
tap_is "$(on_mob "$ML" --list --domain kim.test)" \
	"1 Kimberley display is in range: 'Room S' (busy, in kim.test)" \
	"... and mobile_launcher --list says so"
for i in $(seq 50); do
	vnc=$(dig_short mob _kimberley-vnc._tcp.kim.test PTR)
	[ -n "$vnc" ] && break
	sleep 0.1
done
tap_like "_kimberley-vnc._tcp.kim.test" "$vnc" \
	"the session's VNC export is registered in kim.test too"
touch "$W/release"
wait $mpid
rc=$?
tap_is "$rc" 0 "with --domain kim.test the whole session runs across the router"
[ "$rc" = 0 ] || tap_diag "$(cat "$W/mob.out")"
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT 2>/dev/null | tr -d '\r')" "across-the-router" \
	"the floppy holds the note typed during the session"
free=
for i in $(seq 50); do
	free=$(dig_short mob "$INST" TXT)
	[[ $free == *state=free* ]] && break
	sleep 0.1
done
tap_is "$free" '"txtvers=1" "proto=1" "state=free"' "after the session the TXT record says free again"

# The next person, right away: mob's Avahi still caches records of the
# first session (the VNC export had another port); they must not cost a
# wait (the VNC export's records have a 1 s TTL, a known name is resolved
# directly beside the browse).
t0=$(date +%s.%N)
out=$(on_mob "$ML" --pings 3 --viewer "$FIX/fake_viewer {host} {port} {password_file} second-person" \
	--domain kim.test -n "Room S" -d "$W/f.img" -f "$W/app.patch" demo 2>&1)
rc=$?
t1=$(date +%s.%N)
tap_is "$rc" 0 "a second session right after the first, across the router"
[ "$rc" = 0 ] || tap_diag "$out"
tap_ok "$(awk -v a="$t0" -v b="$t1" 'BEGIN{exit !(b-a < 8)}'; echo $?)" \
	"... in under 8 s ($(echo "$t1 - $t0" | bc) s; the search alone would wait 10 s)"

stop "$DPID"
for i in $(seq 50); do [ -z "$(dig_short mob "$INST" SRV)" ] && break; sleep 0.1; done
tap_is "$(dig_short mob "$INST" ANY)" "" "display_launcher stopped: the instance's records are gone"
tap_is "$(dig_short mob _kimberley._tcp.kim.test PTR)" "" "... the PTR record too"
tap_is "$(dig_short mob disp.kim.test A)" "" "... and the host's A record"
tap_is "$(dig_short mob ns.kim.test A)" "$ROUTER_DISP_IP" "... but nothing else in the zone"
exit $_tap_failed
