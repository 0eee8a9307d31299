#!/usr/bin/env bash
# A link cut under a session that runs through KCM's TLS tunnel (issue 10,
# item 15, the README's own way of connecting): the mobile's RPC socket
# goes only to its local KCM, so it is KCM's tunnel socket that must notice
# the silence (rpc/link.h: keepalive + TCP_USER_TIMEOUT) and close, and the
# mobile then says so in one line.  Before, a cut as end_usage was sent
# left the mobile waiting for the end's answer for its full 900 s.
. "$(dirname "$0")/../usb/lib.sh"
tap_plan 6
usb_up --kcm --usb-down
display_kcm; tap_ok $? "display published through KCM"
cut()  { on_disp iptables -I INPUT -i wifi0 -j DROP && on_mob iptables -I INPUT -i wifi0 -j DROP; }
heal() { on_disp iptables -D INPUT -i wifi0 -j DROP; on_mob iptables -D INPUT -i wifi0 -j DROP; }
BOUND=45	# s: KCM notices in about 20 s, the person hears about it soon after

# the end is slow (the display works on it for 60 s), and the link is cut
# while the mobile waits for the end's answer
echo "FIXTURE-END-SLOW 60" > "$W/slow.patch"
new_floppy end.img
BEFORE=$(sha256sum < "$W/end.img")
hosts_bg mob "$ML" -n "Room B" --usb=never --pings 2 --viewer "$(viewer end "$W/rel")" \
	-d "$W/end.img" -f "$W/slow.patch" demo > "$W/end.out" 2>&1
MPID=$HOSTS_LAST_PID
for i in $(seq 300); do grep -q "close the viewer" "$W/end.out" && break; sleep 0.1; done
touch "$W/rel"
for i in $(seq 200); do grep -q "delta slowly" "$W/display.log" && break; sleep 0.1; done
tap_like "delta slowly" "$(cat "$W/display.log")" "the display is making the delta when the link is cut"
cut; T0=$(date +%s)
for i in $(seq $((BOUND * 10))); do kill -0 $MPID 2>/dev/null || break; sleep 0.1; done
dt=$(( $(date +%s) - T0 ))
kill -0 $MPID 2>/dev/null && { kill -KILL $MPID; dt="still running after $dt"; }
tap_ok "$([ "${dt% s}" -le $BOUND ] 2>/dev/null; echo $?)" "cut as the session ends: the mobile ends within $BOUND s ($dt s)"
tap_is "$(grep -c 'mobile_launcher:' "$W/end.out")" 1 "... with one line"
tap_like "connection to the display was lost" "$(cat "$W/end.out")" "... saying the link was lost"
tap_is "$(sha256sum < "$W/end.img")" "$BEFORE" "... and the floppy is unchanged"
heal
[ "$_tap_failed" = 0 ] || tap_diag "$(cat "$W/end.out")"
exit $_tap_failed
