#!/usr/bin/env bash
# A slow wireless link (150 ms round trip) and a fast USB cable, over the
# direct link (no KCM on the mobile: its local interface list is used):
# the probe measures the delay, --usb=auto takes the cable, and the viewer's
# connection really reaches the display over usb0.
. "$(dirname "$0")/lib.sh"
tap_plan 11
usb_up --delay-ms 150
display_direct; tap_ok $? "display_launcher listens on disp's wifi0 ($DISP_WIFI_IP)"

new_floppy f.img
hold=$W/release
hosts_bg mob "$ML" -c "$DISP_WIFI_IP:$DPORT" --usb=auto --usb-wait 5 \
	--log "$W/mobile.log" --viewer "$(viewer over-the-cable "$hold")" \
	-d "$W/f.img" -f "$W/app.patch" demo > "$W/mobile.out" 2>&1
MPID=$HOSTS_LAST_PID

peer=$(wait_peer "$DISP_USB_IP" "$MOB_USB_IP" 30)
tap_ok $? "on disp, the screen's connection comes from the mobile's USB address ($peer)"
vport=$(sed -n 's/.*running vnc_port=\([0-9]*\).*/\1/p' "$W/display.log" | tail -n 1)
tap_like "^$DISP_USB_IP:$vport $MOB_USB_IP:[0-9]+\$" "$peer" "... to the VNC export's port $vport on the display's USB address"
listen=$(on_disp ss -Htln "( sport = :$vport )" | awk '{ print $4 }')
tap_is "$listen" "$DISP_USB_IP:$vport" "the export listens on the USB address only"
tap_unlike "$DISP_WIFI_IP:$vport" "$(vnc_peers)" "no screen connection on the wireless link"
touch "$hold"
wait "$MPID"
tap_is "$?" 0 "mobile_launcher completes the session"
out=$(cat "$W/mobile.out")
mean=$(mean_of "$out")
within "$mean" 120 180; tap_ok $? "the probe's mean ($mean ms) is within 20 % of 150 ms"
tap_like "The link to 'Room B' is slow \(mean [0-9]+ ms\); looking for a USB cable" "$out" "it says the link is slow"
tap_like "The screen will use the USB cable \(usb0\)" "$out" "it says the screen uses the cable"
tap_like "step=usb .*no session bus|KCM sense failed" "$(cat "$W/mobile.log")" "without KCM it used the local interface list"
tap_is "$(note_on "$W/f.img")" "over-the-cable" "the floppy holds the note typed over the cable"
[ "$_tap_failed" = 0 ] || { tap_diag "mobile:" "$out"; tap_diag "display:" "$(tail -n 30 "$W/display.log")"; }
exit $_tap_failed
