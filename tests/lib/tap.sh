# tests/lib/tap.sh -- the one TAP library for the bash tests.  Two styles
# share one counter:
#   counting as they go:  ok/check/is/like ..., then done_testing (prints
#                         the plan last and exits 0 or 1);
#   plan first:           tap_plan N, tap_ok STATUS DESC, tap_diag LINE...,
#                         then `exit $_tap_failed` (the number of failures).
# A test that sets T (its work directory) and PIDS (an array: processes ended
# at exit) before sourcing gets an EXIT trap (cleanup) that ends PIDS and
# removes T (KEEP=1 keeps it); without T no trap is installed.
_tap_n=0 _tap_failed=0

# At exit: end the test's PIDs, remove T (KEEP=1 keeps it).
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${T:-}" ] || return 0
	if [ -n "${KEEP:-}" ]; then echo "# kept $T"; else rm -rf -- "${T:?}"; fi
}
[ -z "${T:-}" ] || trap cleanup EXIT

ok() {   # ok STATUS DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 0 ]; then echo "ok $_tap_n - $2"; else echo "not ok $_tap_n - $2"; _tap_failed=$((_tap_failed + 1)); fi
}
check() { local d=$1; shift; if "$@"; then ok 0 "$d"; else ok 1 "$d"; fi; }
is() {   # is GOT EXPECTED DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"; fi
}
like() { case $1 in *$2*) ok 0 "$3";; *) ok 1 "$3"; printf '#   got: %s\n#   wanted it to contain: %s\n' "$1" "$2";; esac; }
bail() { echo "Bail out! $*"; exit 1; }
done_testing() { echo "1..$_tap_n"; [ "$_tap_failed" = 0 ] && exit 0; exit 1; }

# the plan-first style (the host harness's tests, e2e, kcm, usb, vm, wide)
tap_plan() { echo "1..$1"; }
tap_ok() { ok "$@"; }   # tap_ok STATUS DESCRIPTION
tap_diag() { printf '# %s\n' "$@"; }
tap_is() {   # tap_is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then tap_ok 0 "$3"; else
		tap_ok 1 "$3"; tap_diag "got:  '$1'" "want: '$2'"; fi
}
# (tap_like stays in each suite's lib.sh for now: e2e's and vm's match
# line by line (grep -E), kcm's and usb's the whole string ([[ =~ ]]), and
# tests rely on each.)

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

# display_launcher's RPC side and KCM run as these users (docs/operator.md);
# made once, as `make install-user` does -- never by the programs themselves
for _kim_user in kimberley kimberley-kcm; do
	if [ "$(id -u)" = 0 ] && ! id "$_kim_user" > /dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$_kim_user"
	fi
done
