#!/usr/bin/env bash
# Wide-area publishing when things go wrong (routed test hosts, BIND 9):
# bad KCM options are refused at start; the server refuses unsigned
# updates; a KCM with the wrong key logs the refusal clearly and goes on
# publishing over mDNS; an instance name with dots, a backslash, quotes,
# spaces and UTF-8 is registered intact (RFC 6763 section 4.3), found by
# name from the other subnet, and removed without a trace; with the DNS
# server silent (its packets dropped), a removal fails within KCM's bound
# (3 s), logged, and mDNS withdraws all the same.
. "$(dirname "$0")/lib.sh"
tap_plan 21
wide_up

kcm_fails() {  # kcm_fails PATTERN DESCRIPTION KCM-OPTIONS...
	local pat=$1 what=$2 out rc
	shift 2
	out=$(on_disp "$KCM" "$@" 2>&1)
	rc=$?
	tap_ok "$([ $rc = 2 ] && [[ $out == *$pat* ]]; echo $?)" "$what"
	[ $rc = 2 ] && [[ $out == *$pat* ]] || tap_diag "rc=$rc: $out"
}
kcm_fails "needs --dns-key FILE" "kcm --dns-domain without --dns-key: exit 2, says what is missing" \
	--dns-domain kim.test
kcm_fails "empty label" "kcm --dns-domain kim..test: refused" --dns-domain kim..test --dns-key "$WIDE_KEY"
kcm_fails "No such file" "kcm --dns-key of a missing file: refused" --dns-domain kim.test --dns-key "$W/none"
kcm_fails "may only hold" "kcm --dns-server with a space (it goes into nsupdate's input): refused" \
	--dns-domain kim.test --dns-key "$WIDE_KEY" --dns-server "10.77.0.254 x"
kcm_fails "one label" "kcm --dns-host a.b: refused" --dns-domain kim.test --dns-key "$WIDE_KEY" --dns-host a.b

out=$(on_mob "$ROOT/mobile_launcher/mobile_launcher" --domain 'kim.test; x' -n "Room S" -f /etc/hostname demo 2>&1)
rc=$?
tap_like "cannot browse the domain 'kim.test; x': the domain may only hold letters, digits" "$out" \
	"mobile_launcher --domain with a bad domain: a clear error"
tap_is "$rc" 1 "... exit status 1"

printf 'server %s\nzone kim.test\nupdate add rogue.kim.test 30 A 10.77.0.66\nsend\n' "$ROUTER_DISP_IP" > "$W/rogue"
out=$(on_disp nsupdate < "$W/rogue" 2>&1)
tap_ok "$([ $? -ne 0 ]; echo $?)" "the server refuses an unsigned update ($(echo "$out" | tail -n 1))"
tap_is "$(dig_short mob rogue.kim.test A)" "" "... and the record is not there"

# A KCM whose key the server does not know.
tsig-keygen -a hmac-sha256 "$WIDE_KEY_NAME" > "$W/wrong.key"
printf '[D-BUS Service]\nName=org.kimberley.KCM\nExec=%s --dns-domain kim.test --dns-server %s --dns-key %s --dns-host disp\n' \
	"$KCM" "$ROUTER_DISP_IP" "$W/wrong.key" > "$HOSTS_DIR/disp/dbus-services/org.kimberley.KCM.service"
start_echo disp e1
publish disp "Room F" "$EPORT"
tap_is "$PUB_NAME" "Room F" "with the wrong key, publish still succeeds (mDNS)"
for i in $(seq 50); do grep -q "could not register 'Room F'" "$HOSTS_DIR/disp/session.log" && break; sleep 0.1; done
tap_like "wide-area: could not register 'Room F' in kim.test: nsupdate exited with [0-9]+: .*(NOTAUTH|BADSIG|BADKEY|tsig).*\(mDNS is not affected\)" \
	"$(kcm_log_of disp)" "KCM logs the refused update with nsupdate's words"
tap_diag "$(grep "could not register 'Room F'" "$HOSTS_DIR/disp/session.log")"
tap_like 'Room.032F;_kimberley._tcp;local' "$(on_disp timeout 4 avahi-browse -pt _kimberley._tcp)" \
	"... and Room F is on mDNS all the same"
tap_is "$(dig_short mob _kimberley._tcp.kim.test PTR)" "" "... but not in kim.test"
stop "$PUB_PID"
kill_kcm disp

# The right key again, and an awkward instance name.
printf '[D-BUS Service]\nName=org.kimberley.KCM\nExec=%s --dns-domain kim.test --dns-server %s --dns-key %s --dns-host disp\n' \
	"$KCM" "$ROUTER_DISP_IP" "$WIDE_KEY" > "$HOSTS_DIR/disp/dbus-services/org.kimberley.KCM.service"
odd='Dr. Who\ "Tardis"; $x (ü)'
publish disp "$odd" "$EPORT"
tap_is "$PUB_NAME" "$odd" "a name with dots, a backslash, quotes, ';', '\$', spaces and UTF-8 is published"
for i in $(seq 50); do [ -n "$(dig_short mob _kimberley._tcp.kim.test PTR)" ] && break; sleep 0.1; done
tap_is "$(on_mob "$KCMCTL" list -t 4000 --domain kim.test)" "$odd	free	kim.test" \
	"kcmctl list --domain on mob shows it byte for byte"
echo "odd name, across" > "$W/in"
if browse mob --domain kim.test -t 5000 "$odd"; then
	tap_is "$(through "$BR_PORT" mob "$W/in" | sed -n 2p)" "odd name, across" \
		"found by that name from the other subnet, and the tunnel carries bytes"
else
	tap_ok 1 "found by that name from the other subnet"; tap_diag "$BR_ERR"
fi
stop "$BR_PID"
stop "$PUB_PID"
for i in $(seq 50); do [ -z "$(dig_short mob _kimberley._tcp.kim.test PTR)" ] && break; sleep 0.1; done
tap_is "$(on_router dig +noall +answer @127.0.0.1 kim.test AXFR | awk '{print $4}' | sort | uniq -c | awk '{printf "%s %s ", $1, $2}')" \
	"1 A 1 NS 2 SOA " "withdrawn: the zone holds only what it started with (AXFR)"

# The DNS server falls silent while a display is registered: the router
# drops DNS packets (no answer, no ICMP error).
publish disp "Room D" "$EPORT"
for i in $(seq 50); do grep -q "register 'Room D' in kim.test: done" "$HOSTS_DIR/disp/session.log" && break; sleep 0.1; done
tap_like "register 'Room D' in kim.test: done" "$(kcm_log_of disp)" "Room D registered"
on_router iptables -w -I INPUT -p udp --dport 53 -j DROP
t0=$(date +%s.%N)
stop "$PUB_PID"
for i in $(seq 150); do grep -q "could not remove 'Room D'" "$HOSTS_DIR/disp/session.log" && break; sleep 0.1; done
t1=$(date +%s.%N)
tap_like "wide-area: could not remove 'Room D' in kim.test: nsupdate exited with [0-9]+: .*\(mDNS is not affected\)" \
	"$(kcm_log_of disp)" "with the server silent, the removal fails and is logged"
tap_diag "$(grep "could not remove 'Room D'" "$HOSTS_DIR/disp/session.log")"
tap_ok "$(awk -v a="$t0" -v b="$t1" 'BEGIN{exit !(b-a < 8)}'; echo $?)" \
	"... within KCM's bound, not nsupdate's 12 s ($(echo "$t1 - $t0" | bc) s)"
for i in $(seq 30); do on_disp timeout 3 avahi-browse -pt _kimberley._tcp | grep -q 'Room.032D' || break; sleep 0.2; done
tap_is "$(on_disp timeout 3 avahi-browse -pt _kimberley._tcp | grep -c 'Room.032D')" 0 \
	"... and mDNS has withdrawn Room D all the same"
exit $_tap_failed
