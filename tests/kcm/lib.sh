# tests/kcm/lib.sh -- helpers for KCM's tests on the two test hosts (bash).
# KCM is started by D-Bus activation on each host's session bus, from a
# .service file that points at this build tree.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/hosts/hosts.sh"
KCM=$ROOT/kcm/kcm
KCMCTL=$ROOT/kcm/kcmctl
ECHO=$ROOT/tests/kcm/echo.py
W=

# kcm_up [hosts_up options]: hosts, work dir $W, KCM activatable on both hosts.
kcm_up() {
	[ -x "$KCM" ] && [ -x "$KCMCTL" ] || { echo "Bail out! build kcm/kcm and kcm/kcmctl first"; exit 1; }
	hosts_up "$@" || { echo "Bail out! the test hosts did not come up"; exit 1; }
	W=$(mktemp -d "$HOSTS_DIR/kcmtest.XXXXXX")
	local h
	for h in disp mob; do
		printf '[D-BUS Service]\nName=org.kimberley.KCM\nExec=%s\n' "$KCM" \
			> "$HOSTS_DIR/$h/dbus-services/org.kimberley.KCM.service"
	done
}

# display_up [display_launcher options]: display_launcher on disp with the
# fixture setup script and a fixture base "demo", published through KCM as
# "Room S"; sets DPID and waits (up to 10 s) for its "published as" line.
display_up() {
	local i dl=$ROOT/display_launcher/display_launcher
	mkdir -p "$W/spool" "$W/vms/demo"
	echo "fixture base disk" > "$W/vms/demo/disk.img"
	hosts_bg disp "$dl" --spool "$W/spool" --vm-dir "$W/vms" \
		--setup-script "$ROOT/tests/fixtures/fake_display_setup" \
		--log "$W/display.log" "$@" "Room S" > "$W/display.out" 2>&1
	DPID=$HOSTS_LAST_PID
	for i in $(seq 200); do grep -q "published as" "$W/display.out" && break; sleep 0.05; done
}

# wait_for FILE [SECONDS] [PID]: until FILE is non-empty (or PID exits).
wait_for() {
	local f=$1 n=$(( ${2:-15} * 20 )) pid=${3:-}
	while [ ! -s "$f" ]; do
		[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && { sleep 0.1; [ -s "$f" ]; return; }
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}

# start_echo HOST TAG: an echo server on HOST's loopback; sets EPORT.
start_echo() {
	rm -f "$W/echo.$2"
	hosts_bg "$1" python3 "$ECHO" serve "$W/echo.$2" "$2"
	wait_for "$W/echo.$2" 10 || return 1
	EPORT=$(cat "$W/echo.$2")
}

# publish HOST NAME PORT [kcmctl options]: kcmctl holds the publication;
# sets PUB_NAME (the name got) and PUB_PID.
publish() {
	local h=$1 name=$2 port=$3 out
	shift 3
	out=$(mktemp "$W/pub.XXXXXX")
	hosts_bg "$h" "$KCMCTL" publish --hold "$@" "$name" "$port" > "$out" 2> "$out.err"
	PUB_PID=$HOSTS_LAST_PID
	wait_for "$out" 20 "$PUB_PID" || { cat "$out.err" >&2; return 1; }
	PUB_NAME=$(cat "$out")
}

# browse HOST [kcmctl options] [NAME]: sets BR_PORT, BR_NAME, BR_PID, or
# BR_ERR (kcmctl's message) and returns 1.
browse() {
	local h=$1 out
	shift
	out=$(mktemp "$W/br.XXXXXX")
	BR_PORT= BR_NAME= BR_ERR=
	hosts_bg "$h" "$KCMCTL" browse --hold "$@" > "$out" 2> "$out.err"
	BR_PID=$HOSTS_LAST_PID
	if ! wait_for "$out" 30 "$BR_PID"; then
		BR_ERR=$(cat "$out.err")
		return 1
	fi
	read -r BR_PORT BR_NAME < "$out"
}

# stop PID: end a process this test started, and reap it.
stop() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; return 0; }

# kcm_pid HOST: the PID of the KCM that owns org.kimberley.KCM there.
kcm_pid() {
	_hosts_exec "$1" dbus-send --session --print-reply --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID \
		string:org.kimberley.KCM 2>/dev/null | awk '/uint32/ { print $2 }'
}

# kill_kcm HOST: end that host's KCM (activated by its bus, not our child);
# done when that process no longer owns the name (a new one may already).
kill_kcm() {
	local p n
	p=$(kcm_pid "$1")
	[ -n "$p" ] || return 1
	kill -TERM "$p"
	for n in $(seq 100); do
		[ "$(kcm_pid "$1")" != "$p" ] && return 0
		sleep 0.05
	done
	return 1
}

# through PORT HOST FILE [ADDR]: send FILE through ADDR (127.0.0.1):PORT on HOST, print what came back
through() { _hosts_exec "$2" python3 "$ECHO" send "$1" "$3" ${4:+"$4"}; }

tap_like() {  # tap_like REGEX STRING DESCRIPTION
	if [[ $2 =~ $1 ]]; then tap_ok 0 "$3"; else
		tap_ok 1 "$3"; tap_diag "'$2'" "does not match /$1/"; fi
}
