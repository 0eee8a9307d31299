#!/usr/bin/env bash
# A slow wireless link (150 ms) and the USB cable unplugged, through KCM:
# without a terminal --usb=ask stays on the wireless link and says so;
# --usb=always waits --usb-wait seconds with a countdown, gives up cleanly
# and the session still works over wifi; plugged in during the countdown,
# the cable is taken and the screen goes over usb0.
. "$(dirname "$0")/lib.sh"
tap_plan 20
usb_up --kcm --delay-ms 150 --usb-down
display_kcm; tap_ok $? "display_launcher on disp is published through KCM"

mobile() {  # mobile NOTE [options...]: a session from mob, through KCM
	local note=$1
	shift
	on_mob "$ML" -n "Room B" --log "$W/mobile.log" --viewer "$(viewer "$note")" \
		-f "$W/app.patch" "$@" demo < /dev/null 2>&1
}

# --- ask, no terminal ---
new_floppy a.img
out=$(mobile asked-no-tty -d "$W/a.img")
tap_is "$?" 0 "--usb=ask without a terminal: the session completes"
mean=$(mean_of "$out")
within "$mean" 120 180; tap_ok $? "the probe through KCM on the delayed wifi: mean $mean ms, within 20 % of 150"
tap_like "slow \(mean [0-9]+ ms\), but there is no terminal to ask on: staying on the wireless link" "$out" \
	"it says it stays on the wireless link because there is no terminal"
tap_unlike "Waiting for the USB|USB cable \(" "$out" "it does not wait for a cable"
tap_unlike "step=usb " "$(cat "$W/display.log")" "the display was not asked for the USB link"
tap_is "$(note_on "$W/a.img")" "asked-no-tty" "the floppy holds the note"

# --- never: not even a word about the cable ---
out=$(mobile never-asked --usb=never)
tap_is "$?" 0 "--usb=never on the slow link: the session completes"
tap_unlike "USB|cable" "$out" "nothing is offered or said about a cable"

# --- always, the cable never comes ---
new_floppy b.img
: > "$W/mobile.log"
t0=$(date +%s.%N)
out=$(mobile no-cable-came --usb=always --usb-wait 3 -d "$W/b.img")
rc=$?
tap_is "$rc" 0 "--usb=always with no cable: the session completes over wifi"
tap_like "Waiting for the USB cable \(usb0\): 3 s left" "$out" "it shows a countdown"
tap_like "No USB network link \(usb0\) came up within 3 s; continuing on the wireless link" "$out" \
	"it says no cable came and it continues on wifi"
waited=$(awk '/step=usb cable accepted/ { a = substr($1, 3) } /step=usb usb0 not up/ { b = substr($1, 3) }
	END { if (a != "" && b != "") printf "%.2f", b - a }' "$W/mobile.log")
within "$waited" 2.9 4; tap_ok $? "it waited --usb-wait (3 s) and no longer: $waited s"
tap_unlike "KCM sense failed|no session bus" "$(cat "$W/mobile.log")" "it asked KCM's sense() for the interfaces"
tap_is "$(note_on "$W/b.img")" "no-cable-came" "the floppy holds the note"

# --- always, the cable is plugged in during the countdown ---
new_floppy c.img
: > "$W/mobile.log"
hold=$W/release
hosts_bg mob "$ML" -n "Room B" --log "$W/mobile.log" --usb=always --usb-wait 15 \
	--viewer "$(viewer cable-plugged "$hold")" -d "$W/c.img" -f "$W/app.patch" demo \
	< /dev/null > "$W/mobile.out" 2>&1
MPID=$HOSTS_LAST_PID
for i in $(seq 200); do grep -q "Waiting for the USB" "$W/mobile.out" && break; sleep 0.05; done
sleep 1
hosts_link_set usb0 up; tap_ok $? "the cable is plugged in during the countdown"
peer=$(wait_peer "$DISP_USB_IP" "$MOB_USB_IP" 30)
tap_ok $? "on disp, the screen's connection comes from the mobile's USB address ($peer)"
touch "$hold"
wait "$MPID"
tap_is "$?" 0 "the session completes"
out=$(cat "$W/mobile.out")
tap_like "The screen will use the USB cable \(usb0\)" "$out" "it says the screen uses the cable"
tap_is "$(note_on "$W/c.img")" "cable-plugged" "the floppy holds the note typed over the cable"
[ "$_tap_failed" = 0 ] || { tap_diag "mobile:" "$out" "$(cat "$W/mobile.log")"; tap_diag "display:" "$(tail -n 30 "$W/display.log")"; }
exit $_tap_failed
