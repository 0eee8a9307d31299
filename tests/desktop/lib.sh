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
# PATCHES/abiword.kim; with "gnumeric" also PATCHES/gnumeric.kim.  The
# base's key: the scripts and guest files that make it, QEMU's version, the
# screen size; the patches' key adds kimberlize and kim_patch (a change
# there does not rebuild the base).  Build times go to CACHE/times.
desk_cache() {
	local key pkey app
	key=$( { cat "$S/make_base_vm" "$S/vm_lib.sh" "$S"/guest/*;
		qemu-system-x86_64 --version; echo "$DESK_SCREEN"; } | sha256sum | cut -c1-16)
	CACHE=$ROOT/tests/desktop/.cache/$key
	pkey=$(cat "$S/kimberlize" "$S/kim_patch" | sha256sum | cut -c1-16)
	PATCHES=$CACHE/patches-$pkey
	mkdir -p "$ROOT/tests/desktop/.cache"
	exec {_lock}> "$ROOT/tests/desktop/.cache/lock"
	flock "$_lock"
	if [ ! -e "$CACHE/base.done" ]; then
		rm -rf -- "$CACHE"
		mkdir -p "$CACHE"
		for try in 1 2; do
			rm -rf -- "$CACHE/vms"
			desk_time make_base_vm "$S/make_base_vm" -t desktop -s "$DESK_SCREEN" -A "$ACCEL" \
				-v "$CACHE/vms" d1 > "$CACHE/make_base_vm.log" 2>&1 &&
				{ touch "$CACHE/base.done"; break; }
			mv -f -- "$CACHE/make_base_vm.log" "$CACHE/make_base_vm.failed-$try.log"
			echo "desk_cache: make_base_vm failed (try $try); its log ends:" >&2
			tail -n 25 "$CACHE/make_base_vm.failed-$try.log" | sed 's/^/  /' >&2
		done
	fi
	mkdir -p "$PATCHES"
	for app in abiword ${1:-}; do
		[ -e "$CACHE/base.done" ] && [ ! -e "$PATCHES/$app.done" ] || continue
		# a second try after a failure, the failed try's log kept and shown:
		# a VM state save has failed now and then on a loaded machine
		# (docs/vm.md, "Known problems"); twice is a failure
		for try in 1 2; do
			rm -f -- "$PATCHES/$app.kim"
			desk_time "kimberlize-$app" "$S/kimberlize" -A "$ACCEL" -v "$CACHE/vms" -p "$app" \
				-o "$PATCHES/$app.kim" d1 "$app" > "$PATCHES/$app.log" 2>&1 &&
				{ touch "$PATCHES/$app.done"; break; }
			mv -f -- "$PATCHES/$app.log" "$PATCHES/$app.failed-$try.log"
			echo "desk_cache: kimberlize $app failed (try $try); its log ends:" >&2
			tail -n 25 "$PATCHES/$app.failed-$try.log" | sed 's/^/  /' >&2
		done
	done
	exec {_lock}>&-
	[ -e "$PATCHES/abiword.done" ] && { [ -z "${1:-}" ] || [ -e "$PATCHES/$1.done" ]; }
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
