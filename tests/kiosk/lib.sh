# tests/kiosk/lib.sh -- shared by the kiosk tests (bash): a work directory,
# TAP helpers, an Xvfb on a free display number, PIDs ended at exit.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IDLE=$ROOT/kiosk/idle_screen
SC=$ROOT/tests/kiosk/screencheck
T=$(mktemp -d "${TMPDIR:-/tmp}/kimkiosk.XXXXXX")
PIDS=()
tap_n=0 tap_failed=0

# The idle screen's colours (kiosk/idle_screen.c).
IDLE_BG=10324a IDLE_NAME=ffc836 IDLE_CMD=7fe0ff

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	if [ -n "${KEEP:-}" ]; then echo "# kept $T"; else rm -rf -- "$T"; fi
}
trap cleanup EXIT

ok() {   # ok STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; tap_failed=1; fi
}
check() { local d=$1; shift; if "$@"; then ok 0 "$d"; else ok 1 "$d"; fi; }
is() {   # is GOT EXPECTED DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"; fi
}
like() { case $1 in *$2*) ok 0 "$3";; *) ok 1 "$3"; printf '#   got: %s\n#   wanted it to contain: %s\n' "$1" "$2";; esac; }
bail() { echo "Bail out! $*"; exit 1; }
done_testing() { echo "1..$tap_n"; exit $tap_failed; }

# start_xvfb [WxH]: an X server on a free display number; sets XDISPLAY, XPID.
start_xvfb() {
	local fifo=$T/xvfb.fd.$RANDOM
	mkfifo "$fifo"
	Xvfb -displayfd 3 -screen 0 "${1:-1024x768}x24" -nolisten tcp 3>"$fifo" >"$T/xvfb.log" 2>&1 &
	XPID=$!
	PIDS+=($XPID)
	local n
	read -r -t 20 n < "$fifo" || bail "Xvfb did not start"
	rm -f "$fifo"
	XDISPLAY=:$n
}

# wait_text COLOUR STRING [TENTHS]: until the screen spells STRING in COLOUR.
wait_text() {
	local i
	for ((i = 0; i < ${3:-50}; i++)); do
		"$SC" -display "$XDISPLAY" text "$1" "$2" >"$T/sc.out" 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# wait_gone PID [TENTHS]: until PID has exited (reaped); its status in $gone_rc.
wait_gone() {
	local i
	gone_rc=
	for ((i = 0; i < ${2:-50}; i++)); do
		if ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; then
			wait "$1"
			gone_rc=$?
			return 0
		fi
		sleep 0.1
	done
	return 1
}
