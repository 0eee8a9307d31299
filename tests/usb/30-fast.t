#!/usr/bin/env bash
# A fast wireless link (no added delay), through KCM, and a display whose
# USB interface does not exist: no offer is made on a fast link; --usb=always
# gets the display's NO_USB refusal, says so, and the session still works;
# on a terminal the question is asked (threshold lowered to make this link
# "slow") and answered.
. "$(dirname "$0")/lib.sh"
tap_plan 15
usb_up --kcm
display_kcm --usb-if nosuch0; tap_ok $? "display_launcher on disp (USB interface 'nosuch0') is published through KCM"

mobile() {  # mobile NOTE [options...]: a session from mob, through KCM
	local note=$1
	shift
	on_mob "$ML" -n "Room B" --log "$W/mobile.log" --viewer "$(viewer "$note")" \
		-f "$W/app.patch" "$@" demo < /dev/null 2>&1
}

new_floppy a.img
out=$(mobile fast-link --usb=auto -d "$W/a.img")
tap_is "$?" 0 "--usb=auto on a fast link: the session completes"
mean=$(mean_of "$out")
within "$mean" 0 20; tap_ok $? "the probe's mean is small ($mean ms)"
tap_unlike "slow|USB|cable" "$out" "no offer is made, nothing is said about a cable"
tap_unlike "step=usb " "$(cat "$W/display.log")" "the display was not asked for the USB link"
tap_is "$(note_on "$W/a.img")" "fast-link" "the floppy holds the note"

new_floppy b.img
out=$(mobile display-no-usb --usb=always --usb-wait 2 -d "$W/b.img")
tap_is "$?" 0 "--usb=always, display without a USB link: the session completes over wifi"
tap_like "USB cable not used: the display has no USB network link \(the display's USB interface 'nosuch0' is not connected \(no carrier or no address\)\); continuing on the wireless link" \
	"$out" "it says the display has no USB link, and continues on wifi"
tap_like "step=refuse .*code=NO_USB" "$(cat "$W/display.log")" "the display refused with NO_USB"
tap_is "$(note_on "$W/b.img")" "display-no-usb" "the floppy holds the note"

# on a terminal: the question, answered yes (a pseudo-terminal from script(1))
new_floppy c.img
cmd=$(printf '%q ' "$ML" -n "Room B" --log "$W/mobile.log" --threshold 0.001 \
	--viewer "$(viewer on-a-tty)" -d "$W/c.img" -f "$W/app.patch" demo)
out=$( (sleep 3; echo y) | on_mob script -qec "$cmd" /dev/null 2>&1 | tr -d '\r')
tap_like "The link to 'Room B' is slow \(mean [0-9.]+ ms\). Connect a USB cable to the display for a smoother screen\? \[y/N\] " \
	"$out" "on a terminal it asks the question"
tap_like "step=usb cable accepted" "$(cat "$W/mobile.log")" "the answer 'y' is taken as yes"
tap_like "USB cable not used: the display has no USB network link" "$out" "... and the display's refusal is said"
tap_like "Your floppy .* now holds the session's changes" "$out" "the session completes"
tap_is "$(note_on "$W/c.img")" "on-a-tty" "the floppy holds the note"
[ "$_tap_failed" = 0 ] || { tap_diag "mobile:" "$out" "$(cat "$W/mobile.log")"; tap_diag "display:" "$(tail -n 30 "$W/display.log")"; }
exit $_tap_failed
