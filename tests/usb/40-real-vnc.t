#!/usr/bin/env bash
# The real screen path over the USB cable: display_launcher on disp runs
# scripts/display_setup (x11vnc, workspace backend with kimnote) on an Xvfb;
# the mobile on mob reaches the display over the delayed wifi (direct link),
# takes the cable with --usb=auto, and vncgrab -- the automated viewer --
# sees kimnote's colours on the VNC frame and types a note, which comes
# back in the floppy.  x11vnc itself reports the viewer's USB address.
. "$(dirname "$0")/../workspace/lib.sh"
. "$ROOT/tests/hosts/hosts.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
for f in "$DL" "$ML" "$VNCGRAB"; do [ -x "$f" ] || bail "$f not built (make)"; done

start_xvfb
make_base wsdemo
make_patch wsdemo "$T/app.kim"
make_floppy "$T/floppy.img"
mkdir -p "$T/spool"
hosts_up --delay-ms 150 || bail "the test hosts did not come up"

hosts_bg disp "$DL" -l "$DISP_WIFI_IP:0" --port-file "$T/port" --spool "$T/spool" \
	--vm-dir "$T/vms" --x-display "$XDISPLAY" --idle-screen none \
	--log "$T/display.log" "Room B" > "$T/display.out" 2>&1
for ((i = 0; i < 100; i++)); do [ -s "$T/port" ] && break; sleep 0.05; done
port=$(cat "$T/port" 2>/dev/null)
check "display_launcher on disp listens on the wifi link" test -n "$port"

viewer="$VNCGRAB -H {host} -P {port} -p {password_file} -t 30 --expect 1b998b:0.12 --expect f46036:0.12"
viewer+=" --type typed\\sover\\sthe\\scable --wait 300 --shot $T/shot.png -o $T/viewer.status"
# the display's sockets, sampled while the session runs
hosts_bg disp sh -c 'while :; do ss -Htn state established; sleep 0.05; done' > "$T/ss.log" 2>&1
SSPID=$HOSTS_LAST_PID
on_mob "$ML" -c "$DISP_WIFI_IP:$port" --usb=auto --usb-wait 5 --log "$T/mobile.log" \
	-d "$T/floppy.img" -f "$T/app.kim" --viewer "$viewer" wsdemo > "$T/mobile.out" 2>&1 < /dev/null
rc=$?
kill "$SSPID"; wait "$SSPID" 2>/dev/null
is "$rc" 0 "mobile_launcher completes a real session with --usb=auto on the slow link"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/mobile.out" "$T/display.log" | tail -40
like "$(cat "$T/mobile.out")" "The screen will use the USB cable (usb0)." "it takes the cable"
like "$(grep 'step=viewer start' "$T/mobile.log")" "host=$DISP_USB_IP " "the viewer was pointed at the display's USB address"
check "the viewer saw kimnote's colour signature on the VNC frame" test -s "$T/shot.png"
vport=$(sed -n 's/.*running vnc_port=\([0-9]*\).*/\1/p' "$T/display.log" | tail -n 1)
peers=$(awk -v l="$DISP_USB_IP:$vport" '$3 == l { sub(/:[0-9]+$/, "", $4); print $4 }' "$T/ss.log" | sort -u)
is "$peers" "$MOB_USB_IP" "on disp, x11vnc's port $vport had the viewer's connection from the mobile's USB address, and only that"
like "$(cat "$T/display.log")" "x11vnc: The VNC desktop is:      $DISP_USB_IP:" \
	"x11vnc exported the screen on the display's USB address"
is "$(MTOOLS_SKIP_CHECK=1 mtype -i "$T/floppy.img" ::note.txt 2>&1)" "first line
typed over the cable" "the note typed over VNC on the cable is in the mobile's floppy"
done_testing
