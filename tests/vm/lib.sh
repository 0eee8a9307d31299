# tests/vm/lib.sh -- helpers for the VM backend's tests (bash).
# One base VM and one demo patch are built once per set of inputs into
# tests/vm/.cache/<key>/ (gitignored) and shared by the tests of a run.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
S=$ROOT/scripts
VNCGRAB=$ROOT/tests/tools/vncgrab
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
ACCEL=${KIMBERLEY_TEST_ACCEL:-tcg}
W= XVFB_PID= XDISPLAY=
_VM_PIDS=()

vm_teardown() {
	local p
	for p in "${_VM_PIDS[@]}" $XVFB_PID; do kill -TERM "$p" 2>/dev/null; done
	for p in "${_VM_PIDS[@]}" $XVFB_PID; do wait "$p" 2>/dev/null; done
	[ -z "$W" ] || rm -rf -- "$W"
}

vm_setup() {
	W=$(mktemp -d /tmp/kim-vmtest.XXXXXX)
	trap vm_teardown EXIT
}

vm_bg() { _VM_PIDS+=("$1"); }

# the cache: CACHE/vms/b1 (base), CACHE/demo.kim (demo app's patch),
# CACHE/other/b1 + CACHE/other.kim (another base of the same name and a patch for it)
vm_cache() {
	local key
	key=$( { cat "$S/make_base_vm" "$S/vm_lib.sh" "$S/kimberlize" "$S/kim_patch" \
		"$S"/guest/* "$ROOT"/tests/vm/demo_app/*; ls /lib/modules;
		qemu-system-x86_64 --version; } | sha256sum | cut -c1-16)
	CACHE=$ROOT/tests/vm/.cache/$key
	mkdir -p "$ROOT/tests/vm/.cache"
	exec {_lock}> "$ROOT/tests/vm/.cache/lock"
	flock "$_lock"
	# a second try after a failure (its messages stay on stderr): a VM
	# state save has failed now and then on a loaded machine (docs/vm.md,
	# "Known problems"); twice is a failure
	local try
	for try in 1 2; do
		[ ! -e "$CACHE/done" ] || break
		rm -rf -- "$CACHE"
		mkdir -p "$CACHE"
		"$S/make_base_vm" -A "$ACCEL" -v "$CACHE/vms" b1 >&2 &&
		"$S/kimberlize" -n -A "$ACCEL" -v "$CACHE/vms" -i "$ROOT/tests/vm/demo_app" \
			-o "$CACHE/demo.kim" b1 demo > "$CACHE/kimberlize.out" &&
		"$S/make_base_vm" -A "$ACCEL" -v "$CACHE/other" b1 >&2 &&
		"$S/kimberlize" -n -A "$ACCEL" -v "$CACHE/other" -i "$ROOT/tests/vm/demo_app" \
			-o "$CACHE/other.kim" b1 demo >&2 &&
		touch "$CACHE/done" ||
		echo "vm_cache: building the base VMs and patches failed (try $try)" >&2
	done
	exec {_lock}>&-
	[ -e "$CACHE/done" ]
}

# vm_big_patch: CACHE/big.kim, the demo app plus 3 MiB of random ballast
# written in the guest (the install floppy holds 1.44 MB): a patch of
# several 1 MiB pieces, which the streaming tests need (it arrives over
# seconds on a shaped link); built once per cache, under the cache's lock
vm_big_patch() {
	exec {_lock}> "$ROOT/tests/vm/.cache/lock"
	flock "$_lock"
	if [ ! -e "$CACHE/big.done" ]; then
		rm -rf -- "$CACHE/bigapp" "$CACHE/big.kim"
		mkdir -p "$CACHE/bigapp"
		cp -- "$ROOT"/tests/vm/demo_app/* "$CACHE/bigapp/"
		sed -i 's|^cp "$src/notepad" /opt/app/run$|&\ndd if=/dev/urandom of=/opt/app/ballast.bin bs=65536 count=48|' \
			"$CACHE/bigapp/install.sh"
		grep -q ballast "$CACHE/bigapp/install.sh" &&
			"$S/kimberlize" -n -A "$ACCEL" -v "$CACHE/vms" -i "$CACHE/bigapp" \
				-o "$CACHE/big.kim" b1 demo > "$CACHE/big.out" 2>&1 &&
			[ "$(stat -c %s "$CACHE/big.kim")" -gt 3000000 ] &&
			touch "$CACHE/big.done" || tail -n 20 "$CACHE/big.out" >&2
	fi
	exec {_lock}>&-
	[ -e "$CACHE/big.done" ]
}

# start_xvfb: sets XDISPLAY (a free display number, via -displayfd)
start_xvfb() {
	local i
	exec {_dfd}> "$W/displayfd"
	Xvfb -displayfd "$_dfd" -screen 0 1024x768x24 -nolisten tcp > "$W/xvfb.log" 2>&1 &
	XVFB_PID=$!
	exec {_dfd}>&-
	for i in $(seq 100); do [ -s "$W/displayfd" ] && break; sleep 0.05; done
	XDISPLAY=:$(cat "$W/displayfd")
	[ "$XDISPLAY" != : ]
}

# processes (QEMU, x11vnc, scripts) whose command line points into DIR
procs_in() { pgrep -a -f -- "$1" | grep -v "pgrep" || true; }

# base_hash DIR: every file of the base but its seal (base.seal, which
# scripts/kim_base renews by design)
base_hash() { (cd "$1" && sha256sum -- $(ls | grep -vx base.seal)) | sha256sum | cut -d' ' -f1; }

tap_like() {
	if printf '%s' "$2" | grep -Eq -- "$1"; then tap_ok 0 "$3"
	else tap_ok 1 "$3"; tap_diag "got:  '$2'" "want: /$1/"; fi
}

# start_display: display_launcher on the direct link (127.0.0.1, ephemeral
# port) with the real setup script, the cache's VM directory and the Xvfb
# screen, its spool and its (root-only) session directories in the test's
# directory; sets DPID and PORT (empty if it did not come up).  Arguments:
# more options.
start_display() {
	local i
	mkdir -p "$W/spool"
	"$DL" -l 127.0.0.1:0 --port-file "$W/port" --spool "$W/spool" --work-dir "$W/work" --vm-dir "$CACHE/vms" \
		--setup-script "$S/display_setup" --x-display "$XDISPLAY" --accel "$ACCEL" \
		--log "$W/display.log" "$@" "VM test display" > "$W/display.out" 2>&1 &
	DPID=$!
	vm_bg $DPID
	for i in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
	PORT=$(cat "$W/port" 2>/dev/null)
}
