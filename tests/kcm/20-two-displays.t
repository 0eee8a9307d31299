#!/usr/bin/env bash
# Two displays in range: found by name, an error listing both without a
# name, and a name collision renamed the DNS-SD way.  The second display is
# a second KCM on the display host, on its own session bus.
. "$(dirname "$0")/lib.sh"
tap_plan 11
kcm_up

# display 2: its own session bus and KCM (run directly, not activated)
hosts_bg disp dbus-daemon --session --nofork --nopidfile \
	--address="unix:path=$W/bus2" --print-address=1 > "$W/bus2.addr" 2> /dev/null
wait_for "$W/bus2.addr" 5
BUS2=unix:path=$W/bus2
hosts_bg disp env DBUS_SESSION_BUS_ADDRESS="$BUS2" KCM_STATE_DIR="$W/disp2-state" \
	"$KCM" 2> "$W/kcm2.log"

start_echo disp A; PA=$EPORT
start_echo disp B; PB=$EPORT
publish disp "Room A" "$PA"; tap_is "$PUB_NAME" "Room A" "display 1 publishes 'Room A'"
out=$(mktemp "$W/pub.XXXXXX")
hosts_bg disp env DBUS_SESSION_BUS_ADDRESS="$BUS2" "$KCMCTL" publish --hold "Room B" "$PB" > "$out"
wait_for "$out" 20; tap_is "$(cat "$out")" "Room B" "display 2 publishes 'Room B'"

browse mob "Room B"
tap_is "$(through "$BR_PORT" mob /dev/null | head -n 1)" "HELLO B" "browse 'Room B' reaches display 2"
browse mob "Room A"
tap_is "$(through "$BR_PORT" mob /dev/null | head -n 1)" "HELLO A" "browse 'Room A' reaches display 1"
browse mob; rc=$?
tap_is "$rc" 1 "with no name and two displays, browse fails"
tap_like "2 Kimberley displays are in range: ('Room A', 'Room B'|'Room B', 'Room A'); name the one you want" \
	"$BR_ERR" "... with a message that lists both: $BR_ERR"

# a wrong name is reported once the browse has seen the displays present,
# with their names -- not after the whole timeout (10 s here)
t0=${EPOCHREALTIME/[.,]/}
browse mob -t 10000 "Room Nowhere"; rc=$?
ms=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
tap_is "$rc" 1 "a name no display has: browse fails"
tap_like "no Kimberley display named 'Room Nowhere' is in range \(in range: ('Room A', 'Room B'|'Room B', 'Room A')\)" \
	"$BR_ERR" "... naming the displays in range: $BR_ERR"
tap_ok "$([ "$ms" -lt 6000 ]; echo $?)" "... as soon as the browse has seen them ($ms ms, the timeout was 10 s)"

out=$(mktemp "$W/pub.XXXXXX")
hosts_bg disp env DBUS_SESSION_BUS_ADDRESS="$BUS2" "$KCMCTL" publish --hold "Room A" "$PB" > "$out"
wait_for "$out" 20; tap_is "$(cat "$out")" "Room A #2" "a second 'Room A' is renamed 'Room A #2' and told so"
browse mob "Room A #2"
tap_is "$(through "$BR_PORT" mob /dev/null | head -n 1)" "HELLO B" "'Room A #2' reaches display 2"
exit $_tap_failed
