# tests/usb/lib.sh -- helpers for the USB-fallback tests (bash): two test
# hosts (tests/hosts/hosts.sh), display_launcher on disp with the fixture
# setup script, mobile_launcher on mob with the fixture viewer.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/hosts/hosts.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
KCM=$ROOT/kcm/kcm
FIX=$ROOT/tests/fixtures
W=
DPID=
DPORT=

# usb_up [--kcm] [hosts_up options]: the hosts and a work dir $W.  --kcm:
# KCM is activatable on both hosts (else the session bus has no KCM and the
# mobile falls back to its local interface list).
usb_up() {
	local kcm=0
	[ "${1:-}" = --kcm ] && { kcm=1; shift; }
	[ -x "$DL" ] && [ -x "$ML" ] || { echo "Bail out! build the launchers first (make programs)"; exit 1; }
	hosts_up "$@" || { echo "Bail out! the test hosts did not come up"; exit 1; }
	W=$(mktemp -d "$HOSTS_DIR/usbtest.XXXXXX")
	mkdir -p "$W/spool" "$W/vms/demo"
	echo "fixture base disk" > "$W/vms/demo/disk.img"
	head -c 100000 /dev/urandom > "$W/app.patch"
	if [ "$kcm" = 1 ]; then
		local h
		for h in disp mob; do
			printf '[D-BUS Service]\nName=org.kimberley.KCM\nExec=%s\n' "$KCM" \
				> "$HOSTS_DIR/$h/dbus-services/org.kimberley.KCM.service"
		done
	fi
}

# display_direct [display_launcher options]: on disp, direct link on wifi0;
# sets DPID and DPORT.
display_direct() {
	hosts_bg disp "$DL" -l "$DISP_WIFI_IP:0" --port-file "$W/port" \
		--spool "$W/spool" --vm-dir "$W/vms" \
		--setup-script "$FIX/fake_display_setup" --log "$W/display.log" \
		--idle-screen none \
		"$@" "Room B" > "$W/display.out" 2>&1
	DPID=$HOSTS_LAST_PID
	local i
	for i in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
	DPORT=$(cat "$W/port" 2>/dev/null)
	[ -n "$DPORT" ]
}

# display_kcm [display_launcher options]: on disp, published through KCM.
display_kcm() {
	hosts_bg disp "$DL" --spool "$W/spool" --vm-dir "$W/vms" \
		--setup-script "$FIX/fake_display_setup" --log "$W/display.log" \
		--idle-screen none \
		"$@" "Room B" > "$W/display.out" 2>&1
	DPID=$HOSTS_LAST_PID
	local i
	for i in $(seq 200); do grep -q "published as" "$W/display.out" && break; sleep 0.05; done
	grep -q "published as 'Room B'" "$W/display.out"
}

# new_floppy NAME: a fresh floppy image $W/NAME
new_floppy() { mkfs.vfat -C -n KIMFLOPPY "$W/$1" 1440 > /dev/null; }

# note_on FLOPPY: the note the viewer typed, as the floppy holds it
note_on() { mtype -i "$1" ::NOTE.TXT 2>/dev/null | tr -d '\r'; }

# viewer NOTE [HOLD_FILE]: the --viewer template for the fixture viewer
viewer() { printf '%s {host} {port} {password_file} %s %s' "$FIX/fake_viewer" "$1" "${2:-}"; }

# mean_of OUTPUT: the probe's mean in ms, from mobile_launcher's output
mean_of() { sed -n 's/.*pings, min [0-9.]* \/ mean \([0-9.]*\) \/ max.*/\1/p' <<< "$1" | head -n 1; }

# within X LO HI: LO <= X <= HI (decimals)
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x != "" && x >= lo && x <= hi) }'; }

# vnc_peers: "local peer" of every established TCP connection on disp
# (the server's side of the viewer's connection is among them)
vnc_peers() { on_disp ss -Htn state established | awk '{ print $3, $4 }'; }

# wait_peer LOCAL_IP PEER_IP [SECONDS]: until disp has an established
# connection from PEER_IP to LOCAL_IP; prints it
wait_peer() {
	local n=$(( ${3:-10} * 10 )) line
	while [ "$n" -gt 0 ]; do
		line=$(vnc_peers | grep -E "^$1:[0-9]+ $2:[0-9]+\$" | head -n 1)
		[ -n "$line" ] && { echo "$line"; return 0; }
		n=$((n - 1))
		sleep 0.1
	done
	return 1
}

tap_like() {  # tap_like REGEX STRING DESCRIPTION
	if [[ $2 =~ $1 ]]; then tap_ok 0 "$3"; else
		tap_ok 1 "$3"; tap_diag "'$2'" "does not match /$1/"; fi
}
tap_unlike() {  # tap_unlike REGEX STRING DESCRIPTION
	if [[ $2 =~ $1 ]]; then tap_ok 1 "$3"; tap_diag "'$2'" "matches /$1/"; else
		tap_ok 0 "$3"; fi
}
