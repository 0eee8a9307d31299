#!/usr/bin/env bash
# A link cut under the mobile (issue 10, item 15) and a display killed while
# it makes the delta, or its whole host gone (item 16): every wait is bounded, one line says what
# happened, and the floppy is old or new, never in between.  The link is cut
# for real: two test hosts (tests/hosts/hosts.sh), every packet on wifi0
# dropped on both sides, so each end sees only silence.
. "$(dirname "$0")/../usb/lib.sh"
tap_plan 17
usb_up --usb-down
display_direct; tap_ok $? "display up on disp's wifi0"
head -c 40000000 /dev/urandom > "$W/big.patch"
cut()  { on_disp iptables -I INPUT -i wifi0 -j DROP && on_mob iptables -I INPUT -i wifi0 -j DROP; }
heal() { on_disp iptables -D INPUT -i wifi0 -j DROP; on_mob iptables -D INPUT -i wifi0 -j DROP; }
# the display keeps a silent client's session for its idle timeout: a fresh
# display for each case
restart_display() { kill -TERM $DPID; wait $DPID 2>/dev/null; rm -f "$W/port"; display_direct; }
BOUND=35	# seconds: the person hears about it within about 30 s

# start_mobile NAME PATCH [HOLD]: mobile on mob, sets MPID, T0
start_mobile() {
	new_floppy "$1.img"
	BEFORE=$(sha256sum < "$W/$1.img")
	T0=$(date +%s)
	hosts_bg mob "$ML" -c "$DISP_WIFI_IP:$DPORT" --usb=never --pings 2 \
		--viewer "$(viewer "$1" "${3:-}")" -d "$W/$1.img" -f "$2" demo \
		> "$W/$1.out" 2>&1
	MPID=$HOSTS_LAST_PID
}
# finished NAME WHAT: the mobile ended in time with one line about the link
finished() {
	local i rc
	for i in $(seq $((BOUND * 10))); do kill -0 $MPID 2>/dev/null || break; sleep 0.1; done
	local dt=$(( $(date +%s) - T0 ))
	kill -0 $MPID 2>/dev/null && { kill -KILL $MPID; dt="still running after $dt"; }
	tap_ok "$([ "${dt% s}" -le $BOUND ] 2>/dev/null; echo $?)" "$2: the mobile ends within ${BOUND} s ($dt s)"
	tap_like "mobile_launcher: the connection to the display was lost" "$(cat "$W/$1.out")" "$2: ... with one line saying the link was lost"
	tap_is "$(sha256sum < "$W/$1.img")" "$BEFORE" "$2: ... and the floppy is unchanged"
}

# 1. mid-patch-transfer: cut when the display has part of the patch; slow
# the link so the transfer takes a while
on_mob tc qdisc add dev wifi0 root tbf rate 40mbit burst 64kb latency 200ms
start_mobile mid "$W/big.patch"
for i in $(seq 400); do
	[ "$(find "$W/spool" -name '.partial-*' -size +2M 2>/dev/null | head -n 1)" ] && break
	sleep 0.05
done
cut; T0=$(date +%s)
finished mid "15 cut mid-transfer"
heal
on_mob tc qdisc del dev wifi0 root
restart_display

# 2. while the app runs
start_mobile run "$W/app.patch" "$W/never"
for i in $(seq 200); do grep -q "close the viewer" "$W/run.out" && break; sleep 0.1; done
cut; T0=$(date +%s)
finished run "15 cut while the app runs"
heal
restart_display

# 3. as end_usage is sent
start_mobile end "$W/app.patch" "$W/rel3"
for i in $(seq 200); do grep -q "close the viewer" "$W/end.out" && break; sleep 0.1; done
cut; T0=$(date +%s); touch "$W/rel3"
finished end "15 cut as the session ends"
heal
for i in $(seq 100); do [ -z "$(ls -A "$W/spool")" ] && break; sleep 0.2; done

# 4. item 16: display_launcher killed while it makes the delta
echo "FIXTURE-END-SLOW 60" > "$W/slow.patch"
start_mobile killed "$W/slow.patch"
for i in $(seq 200); do grep -q "delta slowly" "$W/display.log" && break; sleep 0.1; done
kill -KILL $DPID; T0=$(date +%s)
for i in $(seq $((BOUND * 10))); do kill -0 $MPID 2>/dev/null || break; sleep 0.1; done
dt=$(( $(date +%s) - T0 ))
tap_ok "$(! kill -0 $MPID 2>/dev/null && [ $dt -le $BOUND ]; echo $?)" "16 display killed: the mobile ends within $BOUND s ($dt s)"
tap_is "$(grep -c 'mobile_launcher:' "$W/killed.out")" 1 "16: ... with one line"
tap_is "$(sha256sum < "$W/killed.img")" "$BEFORE" "16: ... and the floppy is the old one"
rm -f "$W/port"; display_direct
for i in $(seq 50); do [ -z "$(ls -A "$W/spool")" ] && break; sleep 0.1; done
tap_is "$(ls -A "$W/spool")" "" "16: the restarted display cleans its spool"

# 5. item 16 again, the display's host dies while it makes the delta: the
# display is killed and its last packets (FIN or RST) never reach the mobile,
# as when the machine loses power.  (A plain kill, case 4, closes the
# connection at once; before the fix the mobile then waited for the end's
# answer for ever.)
n0=$(grep -c "delta slowly" "$W/display.log")
start_mobile died "$W/slow.patch"
for i in $(seq 200); do [ "$(grep -c "delta slowly" "$W/display.log")" -gt "$n0" ] && break; sleep 0.1; done
on_disp iptables -I OUTPUT -o wifi0 -j DROP
kill -KILL $DPID; T0=$(date +%s)
finished died "16 display's host died"
on_disp iptables -D OUTPUT -o wifi0 -j DROP
[ "$_tap_failed" = 0 ] || for f in mid run end killed died; do tap_diag "$f:" "$(cat "$W/$f.out" 2>/dev/null)"; done
exit $_tap_failed
