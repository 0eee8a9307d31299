#!/usr/bin/env bash
# Item 13 of issue 10: the test hosts' avahi-daemons run with Debian's
# default use-ipv6=yes, so every display is announced over IPv4 and over
# IPv6 (fe80:: link-local).  The display listens on IPv4 only; a search by
# name must still reach it, whichever announcement arrives first -- by
# kcmctl and by mobile_launcher -n NAME, a whole session.
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
FIX=$ROOT/tests/fixtures
tap_plan 7
kcm_up --avahi-ipv6
[ -x "$DL" ] && [ -x "$ML" ] || { echo "Bail out! build the launchers first"; exit 1; }

start_echo disp A
publish disp "Room A" "$EPORT"; tap_ok $? "publish 'Room A' with Avahi on IPv4 and IPv6"
# The setting is in effect: the mobile's Avahi sees the IPv6 announcement.
v6=
for i in $(seq 60); do
	v6=$(on_mob avahi-browse -prt _kimberley._tcp 2>/dev/null | grep -F '=;wifi0;IPv6;Room\032A;')
	[ -n "$v6" ] && break
	sleep 0.25
done
tap_like '^=;wifi0;IPv6;Room.032A;.*;fe80::' "$v6" "the mobile's Avahi has 'Room A' over IPv6 with an fe80:: address"
good=0
for i in 1 2 3 4 5 6; do
	browse mob -t 4000 "Room A" &&
		[ "$(through "$BR_PORT" mob /dev/null)" = "$(printf 'HELLO A\nEOF-SEEN')" ] &&
		good=$((good + 1))
	[ -n "$BR_ERR" ] && tap_diag "browse $i: $BR_ERR"
	stop "$BR_PID"
done
tap_is "$good" 6 "6 of 6 searches by name reach the display"

display_up
tap_like "published as 'Room S' through KCM" "$(cat "$W/display.out")" "display_launcher publishes itself"
for i in $(seq 60); do
	on_mob avahi-browse -prt _kimberley._tcp 2>/dev/null | grep -qF '=;wifi0;IPv6;Room\032S;' && break
	sleep 0.25
done
mkfs.vfat -C -n KIMFLOPPY "$W/f.img" 1440 > /dev/null
head -c 300000 /dev/urandom > "$W/app.patch"
for n in 1 2; do
	out=$(on_mob timeout 60 "$ML" --pings 3 --viewer "$FIX/fake_viewer {host} {port} {password_file} v6-$n" \
		-n "Room S" -d "$W/f.img" -f "$W/app.patch" demo 2>&1)
	rc=$?
	tap_is "$rc" 0 "mobile_launcher -n 'Room S' completes session $n"
	[ "$rc" = 0 ] || tap_diag "$out"
done
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "v6-2" "the floppy holds the note of the last session"
exit $_tap_failed
