# tests/e2e/lib.sh -- helpers for the core session's end-to-end tests (bash).
# Each test gets its own work directory, spool and VM directory, and a
# display_launcher on an ephemeral loopback port, ended by PID at exit.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
POKE=$ROOT/tests/e2e/rpcpoke
FIX=$ROOT/tests/fixtures
W=
DPID=
PORT=
_E2E_PIDS=()

e2e_teardown() {
	local p
	for p in "${_E2E_PIDS[@]}" $DPID; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${_E2E_PIDS[@]}" $DPID; do
		wait "$p" 2>/dev/null
	done
	[ -n "$W" ] && rm -rf "$W"
}

e2e_setup() {
	W=$(mktemp -d /tmp/kim-e2e.XXXXXX)
	mkdir -p "$W/spool" "$W/vms/demo"
	echo "fixture base disk" > "$W/vms/demo/disk.img"
	trap e2e_teardown EXIT
}

# start_display [display_launcher options...]: sets DPID and PORT
start_display() {
	rm -f "$W/port"
	"$DL" -l 127.0.0.1:0 --port-file "$W/port" --spool "$W/spool" \
		--vm-dir "$W/vms" --setup-script "$FIX/fake_display_setup" \
		--log "$W/display.log" --idle-screen none "$@" "Test display" \
		> "$W/display.out" 2>&1 &
	DPID=$!
	local i
	for i in $(seq 100); do
		[ -s "$W/port" ] && break
		sleep 0.05
	done
	PORT=$(cat "$W/port" 2>/dev/null)
	[ -n "$PORT" ]
}

# rpc_pid [PORT]: the process holding the listening RPC socket (the
# display's unprivileged half, docs/design.md section 7), from /proc
rpc_pid() {
	local port hex inode fd
	port=${1:-$PORT}
	hex=$(printf '%04X' "$port")
	inode=$(awk -v h=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == h { print $10; exit }' \
		/proc/net/tcp)
	[ -n "$inode" ] || return 1
	for fd in /proc/[0-9]*/fd/*; do
		if [ "$(readlink "$fd" 2>/dev/null)" = "socket:[$inode]" ]; then
			fd=${fd#/proc/}
			echo "${fd%%/*}"
			return 0
		fi
	done
	return 1
}

# rpc_prlimit PRLIMIT-OPTIONS...: change a limit of the RPC side: as root
# when root may (CAP_SYS_RESOURCE), else as the RPC side's own user (a
# container's root may lack the capability)
rpc_prlimit() {
	local pid
	pid=$(rpc_pid) || return 1
	prlimit --pid "$pid" "$@" 2>/dev/null && return 0
	setpriv --reuid="$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" \
		--regid="$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")" \
		--clear-groups prlimit --pid "$pid" "$@"
}

stop_display() {
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
}

# remember a background PID for teardown
e2e_bg() { _E2E_PIDS+=("$1"); }

make_floppy() { mkfs.vfat -C -n KIMFLOPPY "$1" 1440 > /dev/null; }

spool_empty() { [ -z "$(ls -A "$W/spool")" ]; }

# the display's process is still alive and answering
display_serving() {
	kill -0 "$DPID" 2>/dev/null && "$POKE" "127.0.0.1:$PORT" hello > /dev/null
}

# mobile NOTE [mobile_launcher options...] -- a session whose viewer types NOTE
mobile() {
	local note=$1
	shift
	"$ML" -c "127.0.0.1:$PORT" --pings 3 \
		--viewer "$FIX/fake_viewer {host} {port} {password_file} $note" "$@"
}

# mobile_held NOTE HOLD_FILE OUT [mobile_launcher options...] -- a session in
# the background whose viewer stays until HOLD_FILE exists; returns once the
# app is on the screen; sets MPID
mobile_held() {
	local note=$1 hold=$2 out=$3 i
	shift 3
	"$ML" -c "127.0.0.1:$PORT" --pings 2 \
		--viewer "$FIX/fake_viewer {host} {port} {password_file} $note $hold" \
		"$@" > "$out" 2>&1 &
	MPID=$!
	e2e_bg $MPID
	for i in $(seq 100); do grep -q "close the viewer" "$out" && break; sleep 0.1; done
}

# like PATTERN TEXT DESCRIPTION (grep -E)
tap_like() {
	if printf '%s' "$2" | grep -Eq -- "$1"; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3"
		tap_diag "got:  '$2'" "want: /$1/"
	fi
}
