#!/usr/bin/env bash
# A changed display identity is refused with a message that says what
# happened and how to accept it; KCM restarted between two uses works
# (activated again, the same identity from its state directory).
. "$(dirname "$0")/lib.sh"
tap_plan 11
kcm_up
KNOWN=$HOSTS_DIR/mob/home/.config/kimberley/known_displays
STATE=$HOSTS_DIR/disp/home/.local/state/kimberley

start_echo disp I
publish disp "Room I" "$EPORT"
browse mob "Room I"
tap_is "$(through "$BR_PORT" mob /dev/null | head -n 1)" "HELLO I" "first use: tunnel works"
fp1=$(on_disp "$KCMCTL" identity)
tap_is "$(cat "$KNOWN")" "$fp1 Room I" "the display is pinned on first use"
tap_ok "$([ "$(stat -c %a "$STATE/kcm.key")" = 600 ]; echo $?)" "the display's key is private (0600)"

# KCM restarted on both hosts between two uses
stop "$PUB_PID"; stop "$BR_PID"
kill_kcm disp; tap_ok $? "the display's KCM is stopped"
kill_kcm mob; tap_ok $? "the mobile's KCM is stopped"
publish disp "Room I" "$EPORT"
browse mob "Room I"
tap_is "$(through "$BR_PORT" mob /dev/null | head -n 1)" "HELLO I" \
	"after both KCMs restart (activated again), the tunnel works"
tap_is "$(on_disp "$KCMCTL" identity)" "$fp1" "the display kept its identity across the restart"

# a new identity: the display's key is replaced
stop "$PUB_PID"; stop "$BR_PID"
kill_kcm disp
mv "$STATE" "$STATE.old"
publish disp "Room I" "$EPORT"
fp2=$(on_disp "$KCMCTL" identity)
browse mob "Room I"; rc=$?
tap_is "$rc" 1 "a display with a changed identity is refused"
tap_like "identity of display 'Room I' has CHANGED: .*known_displays line 1 pins $fp1, but the display now presents $fp2.*delete line 1 of .*known_displays \(or run: kcm --forget 'Room I'\)" \
	"$BR_ERR" "the message says what happened and how to accept it: $BR_ERR"
out=$(on_mob "$KCM" --forget "Room I")
tap_like "forgot 1 pin of display 'Room I'" "$out" "kcm --forget removes the pin"
browse mob "Room I"
tap_is "$(through "$BR_PORT" mob /dev/null | head -n 1)/$(cat "$KNOWN")" "HELLO I/$fp2 Room I" \
	"after forgetting, the new identity is pinned and the tunnel works"
exit $_tap_failed
