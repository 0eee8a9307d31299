# tests/desktop/lib.sh -- helpers for the desktop base's tests (bash): the
# VM tests' helpers (tests/vm/lib.sh) plus a cache of the Debian desktop base
# and the AbiWord patch, built once per set of inputs into
# tests/desktop/.cache/<key>/ (gitignored) and shared by the tests of a run.
. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib.sh"
DESK_SCREEN=${KIMBERLEY_TEST_SCREEN:-1024x768}

# desk_time NAME CMD...: run CMD, append "NAME SECONDS" to $CACHE/times
desk_time() {
	local name=$1 t0 rc=0
	shift
	t0=${EPOCHREALTIME/[.,]/}
	"$@" || rc=$?
	echo "$name $(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 )) ms rc=$rc" >> "$CACHE/times"
	return $rc
}

# desk_cache [gnumeric]: CACHE/vms/d1 (desktop base, screen DESK_SCREEN),
# CACHE/abiword.kim; with "gnumeric" also CACHE/gnumeric.kim.  The key: the
# scripts and guest files that make them, QEMU's version, the screen size.
desk_cache() {
	local key
	key=$( { cat "$S/make_base_vm" "$S/vm_lib.sh" "$S/kimberlize" "$S/kim_patch" "$S"/guest/*;
		qemu-system-x86_64 --version; echo "$DESK_SCREEN"; } | sha256sum | cut -c1-16)
	CACHE=$ROOT/tests/desktop/.cache/$key
	mkdir -p "$ROOT/tests/desktop/.cache"
	exec {_lock}> "$ROOT/tests/desktop/.cache/lock"
	flock "$_lock"
	if [ ! -e "$CACHE/base.done" ]; then
		rm -rf -- "$CACHE"
		mkdir -p "$CACHE"
		desk_time make_base_vm "$S/make_base_vm" -t desktop -s "$DESK_SCREEN" -A "$ACCEL" \
			-v "$CACHE/vms" d1 > "$CACHE/make_base_vm.log" 2>&1 &&
		touch "$CACHE/base.done"
	fi
	if [ -e "$CACHE/base.done" ] && [ ! -e "$CACHE/abiword.done" ]; then
		rm -f -- "$CACHE/abiword.kim"
		desk_time kimberlize-abiword "$S/kimberlize" -A "$ACCEL" -v "$CACHE/vms" -p abiword \
			-o "$CACHE/abiword.kim" d1 abiword > "$CACHE/abiword.log" 2>&1 &&
		touch "$CACHE/abiword.done"
	fi
	if [ "${1:-}" = gnumeric ] && [ -e "$CACHE/base.done" ] && [ ! -e "$CACHE/gnumeric.done" ]; then
		rm -f -- "$CACHE/gnumeric.kim"
		desk_time kimberlize-gnumeric "$S/kimberlize" -A "$ACCEL" -v "$CACHE/vms" -p gnumeric \
			-o "$CACHE/gnumeric.kim" d1 gnumeric > "$CACHE/gnumeric.log" 2>&1 &&
		touch "$CACHE/gnumeric.done"
	fi
	exec {_lock}>&-
	[ -e "$CACHE/abiword.done" ] && { [ "${1:-}" != gnumeric ] || [ -e "$CACHE/gnumeric.done" ]; }
}

# start_xvfb_size WxH: like start_xvfb, at the desktop base's screen size
start_xvfb_size() {
	local i
	exec {_dfd}> "$W/displayfd"
	Xvfb -displayfd "$_dfd" -screen 0 "${1}x24" -nolisten tcp > "$W/xvfb.log" 2>&1 &
	XVFB_PID=$!
	exec {_dfd}>&-
	for i in $(seq 100); do [ -s "$W/displayfd" ] && break; sleep 0.05; done
	XDISPLAY=:$(cat "$W/displayfd")
	[ "$XDISPLAY" != : ]
}
