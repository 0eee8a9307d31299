#!/usr/bin/env bash
# Item 14 of issue 10: the next person walks up right after a session.
# Through KCM on the two test hosts: a mobile started the moment the display
# sends the delta back (the display is re-publishing itself then) gets a
# session or a clear "busy", never "Connection refused" from a port the
# display no longer serves; sessions back to back with no pause, by name
# and without, all succeed; the display keeps one network port for its
# launcher service across sessions (so no Avahi cache can be wrong).
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
FIX=$ROOT/tests/fixtures
R=3   # rounds of (a session, and a mobile started as it ends)
N=3   # then sessions back to back
tap_plan $((2 * R + N + 3))
kcm_up
[ -x "$DL" ] && [ -x "$ML" ] || { echo "Bail out! build the launchers first"; exit 1; }

display_up
tap_like "published as 'Room S' through KCM" "$(cat "$W/display.out")" "display_launcher publishes itself"

# the port the mobile's Avahi sees for the display's launcher service
net_port() {
	on_mob avahi-browse -prt _kimberley._tcp 2>/dev/null |
		awk -F';' '$1 == "=" && $3 == "IPv4" && $2 == "wifi0" { print $9; exit }'
}
port0=$(net_port)
mkfs.vfat -C -n KIMFLOPPY "$W/f.img" 1440 > /dev/null
mkfs.vfat -C -n KIMFLOPPY "$W/g.img" 1440 > /dev/null
head -c 200000 /dev/urandom > "$W/app.patch"
mobile() {  # mobile NOTE FLOPPY [options...]
	local note=$1 fl=$2
	shift 2
	on_mob timeout 60 "$ML" --pings 3 --viewer "$FIX/fake_viewer {host} {port} {password_file} $note" \
		-d "$fl" -f "$W/app.patch" "$@" demo
}

for r in $(seq $R); do
	sent=$(grep -c "delta sent" "$W/display.log")
	mobile "first-$r" "$W/f.img" -n "Room S" > "$W/first.$r" 2>&1 &
	p=$!
	for i in $(seq 600); do
		[ "$(grep -c "delta sent" "$W/display.log")" -gt "$sent" ] && break
		sleep 0.02
	done
	out=$(mobile "next-$r" "$W/g.img" -n "Room S" 2>&1)
	rc=$?
	wait "$p"
	tap_is "$?" 0 "round $r: a session by name completes"
	if [ "$rc" = 0 ] || { [[ $out =~ "the display is busy" ]] && ! [[ $out =~ refused ]]; }; then
		tap_ok 0 "round $r: a mobile started as it ends gets a session or a clear busy (rc $rc)"
	else
		tap_ok 1 "round $r: a mobile started as it ends gets a session or a clear busy (rc $rc)"
		tap_diag "$out"
	fi
done
for n in $(seq $N); do
	name=(-n "Room S")
	[ $((n % 2)) = 0 ] && name=()
	out=$(mobile "b2b-$n" "$W/f.img" "${name[@]}" 2>&1)
	rc=$?
	tap_is "$rc" 0 "session $n of $N, right after the one before (${name[*]:-no name})"
	[ "$rc" = 0 ] || tap_diag "$out"
done
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "b2b-$N" "the floppy holds the last session's note"
tap_is "$(net_port)" "$port0" "the display's network port is the same as before the sessions ($port0)"
exit $_tap_failed
