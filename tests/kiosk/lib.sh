# tests/kiosk/lib.sh -- shared by the kiosk tests (bash): a work directory,
# TAP helpers, an Xvfb on a free display number, PIDs ended at exit.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IDLE=$ROOT/kiosk/idle_screen
SC=$ROOT/tests/kiosk/screencheck
T=$(mktemp -d "${TMPDIR:-/tmp}/kimkiosk.XXXXXX")
PIDS=()

# The idle screen's colours (kiosk/idle_screen.c).
IDLE_BG=10324a IDLE_NAME=ffc836 IDLE_CMD=7fe0ff

. "$ROOT/tests/lib/tap.sh"

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
