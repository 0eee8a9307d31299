#!/usr/bin/env bash
# A browse domain the network announces (routed test hosts; mob's
# resolv.conf says "search kim.test", as a DHCP server would set it): Avahi
# reports it as a browse domain, and KCM searches it without --domain.
. "$(dirname "$0")/lib.sh"
ML=$ROOT/mobile_launcher/mobile_launcher
tap_plan 5
wide_up --search-domain
tap_like '^\+;;;kim\.test$' "$(on_mob timeout 4 avahi-browse -Dpt)" "Avahi on mob reports kim.test as a browse domain"
start_echo disp e1
publish disp "Room W" "$EPORT"
for i in $(seq 50); do [ -n "$(dig_short mob _kimberley._tcp.kim.test PTR)" ] && break; sleep 0.1; done
echo "no domain given" > "$W/in"
if browse mob -t 5000 "Room W"; then
	tap_is "$(through "$BR_PORT" mob "$W/in" | sed -n 2p)" "no domain given" \
		"kcmctl browse 'Room W' on mob, no --domain: found in kim.test, the tunnel carries bytes"
else
	tap_ok 1 "kcmctl browse 'Room W' on mob, no --domain"; tap_diag "$BR_ERR"
fi
stop "$BR_PID"
tap_like "the network announces the browse domain kim.test" "$(kcm_log_of mob)" "the mobile's KCM logs the domain it learnt"
tap_is "$(on_mob "$ML" --list)" "1 Kimberley display is in range: 'Room W' (free, in kim.test)" \
	"mobile_launcher --list without --domain lists it"
out=$(on_mob "$KCMCTL" browse -t 2000 "Room Q" 2>&1)
tap_like "no Kimberley display named 'Room Q' answered within 2.0 s on the local network or in kim.test" \
	"$out" "a wrong name says where it looked"
exit $_tap_failed
