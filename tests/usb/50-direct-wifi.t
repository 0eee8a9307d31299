#!/usr/bin/env bash
# The direct link across two hosts with no cable: a display listening on its
# wifi address exports the screen there too, so a mobile on the direct link
# (which has no KCM tunnel) reaches it over the wifi link.
. "$(dirname "$0")/lib.sh"
tap_plan 5
usb_up --usb-down
display_direct; tap_ok $? "display_launcher listens on disp's wifi0 ($DISP_WIFI_IP)"
new_floppy f.img
hold=$W/release
hosts_bg mob "$ML" -c "$DISP_WIFI_IP:$DPORT" --usb=never --log "$W/mobile.log" \
	--viewer "$(viewer over-wifi "$hold")" -d "$W/f.img" -f "$W/app.patch" demo \
	> "$W/mobile.out" 2>&1
MPID=$HOSTS_LAST_PID
for i in $(seq 300); do
	vport=$(sed -n 's/.*running vnc_port=\([0-9]*\).*/\1/p' "$W/display.log" | tail -n 1)
	[ -n "$vport" ] && vnc_peers | grep -q "^$DISP_WIFI_IP:$vport " && break
	sleep 0.1
done
tap_like "^$DISP_WIFI_IP:$vport $MOB_WIFI_IP:[0-9]+\$" "$(vnc_peers | grep "^$DISP_WIFI_IP:$vport ")" \
	"on disp, the screen's connection comes over wifi to the export's port $vport"
listen=$(on_disp ss -Htln "( sport = :$vport )" | awk '{ print $4 }')
tap_is "$listen" "$DISP_WIFI_IP:$vport" "the export listens on the direct link's address only"
touch "$hold"
wait "$MPID"
tap_is "$?" 0 "mobile_launcher completes the session"
tap_is "$(note_on "$W/f.img")" "over-wifi" "the floppy holds the note typed over the direct link"
[ "$_tap_failed" = 0 ] || { tap_diag "mobile:" "$(cat "$W/mobile.out")"; tap_diag "display:" "$(tail -n 30 "$W/display.log")"; }
exit $_tap_failed
