#!/usr/bin/env bash
# KCM on two hosts: started by D-Bus activation, publish -> browse, and the
# tunnel carries bytes both ways with half-closes; per-interface publishing;
# bad calls get readable D-Bus errors.
. "$(dirname "$0")/lib.sh"
tap_plan 17
kcm_up

tap_is "$(kcm_pid disp)" "" "no KCM runs on the display host before the first call"
out=$(on_disp "$KCMCTL" sense)
tap_is "$(echo $out)" "wifi0 usb0" "sense() starts KCM by D-Bus activation and lists the interfaces"
tap_like "Activating service name='org.kimberley.KCM'" "$(cat "$HOSTS_DIR/disp/session.log")" \
	"the session bus activated it"
xml=$(on_disp dbus-send --session --print-reply --dest=org.kimberley.KCM /org/kimberley/KCM \
	org.freedesktop.DBus.Introspectable.Introspect)
tap_like '<method name="browse">' "$xml" "it is introspectable"

start_echo disp A
t0=$(date +%s.%N)
publish disp "Room A" "$EPORT"; tap_ok $? "publish 'Room A' for the echo server's port"
t1=$(date +%s.%N)
browse mob "Room A"; tap_ok $? "the mobile finds 'Room A' by name: ${BR_ERR:-port $BR_PORT}"
t2=$(date +%s.%N)
tap_diag "publish established in $(echo "$t1 - $t0" | bc) s; browse (with activation) in $(echo "$t2 - $t1" | bc) s"
tap_is "$BR_NAME" "Room A" "browse returns the display's name"

head -c 3000000 /dev/urandom > "$W/data"
through "$BR_PORT" mob "$W/data" > "$W/back"
tap_is "$(head -n 1 "$W/back")" "HELLO A" "the display's bytes reach the mobile (server speaks first)"
tap_is "$(tail -c +9 "$W/back" | head -c 3000000 | sha256sum)" "$(sha256sum < "$W/data")" \
	"3 MB sent by the mobile come back intact"
tap_is "$(tail -c 9 "$W/back")" "EOF-SEEN" "the mobile's half-close reaches the server, which can still answer"

# many connections at once through one tunnel port
head -c 500000 /dev/urandom > "$W/small"
pids=()
for i in $(seq 24); do
	through "$BR_PORT" mob "$W/small" > "$W/par.$i" & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
good=0
for i in $(seq 24); do
	[ "$(tail -c +9 "$W/par.$i" | head -c 500000 | sha256sum)" = "$(sha256sum < "$W/small")" ] &&
		good=$((good + 1))
done
tap_is "$good" 24 "24 concurrent connections through one tunnel all come back intact"

browse mob; tap_is "$BR_NAME" "Room A" "with no name and one display, that display is found"
pins=$(cat "$HOSTS_DIR/mob/home/.config/kimberley/known_displays")
tap_is "$pins" "$(on_disp "$KCMCTL" identity) Room A" "the mobile pinned the display's identity once"

# Only on usb0: found over usb0, not over wifi0.
start_echo disp U
publish disp "Room U" "$EPORT" -i "$(hosts_ifindex disp usb0)"
browse mob -t 3000 -i "$(hosts_ifindex mob usb0)" "Room U"
tap_is "$(through "$BR_PORT" mob /dev/null)" "$(printf 'HELLO U\nEOF-SEEN')" \
	"a service published on usb0 is found and reached on usb0"
browse mob -t 2000 -i "$(hosts_ifindex mob wifi0)" "Room U"
tap_like "no Kimberley display named 'Room U' answered within 2.0 s" "$BR_ERR" \
	"... and not on wifi0, with a clear timeout message"

err=$(on_disp "$KCMCTL" publish "" 5 2>&1)
tap_like "InvalidArgs|the display name is empty" "$err" "an empty name is refused: $err"
err=$(on_disp dbus-send --session --print-reply --dest=org.kimberley.KCM /org/kimberley/KCM \
	org.kimberley.KCM.publish string:x int32:99999 uint32:5 2>&1)
tap_like "no such network interface index" "$err" "an unknown interface is refused: $err"
exit $_tap_failed
