# tests/lib/tap.sh -- TAP helpers for bash tests that count as they go
# (done_testing prints the plan).  Source it after setting T (the test's
# work directory) and PIDS (an array: processes ended at exit).
tap_n=0 tap_failed=0

# At exit: end the test's PIDs, remove T (KEEP=1 keeps it).
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

# display_launcher's RPC side and KCM run as these users (docs/operator.md);
# made once, as `make install-user` does -- never by the programs themselves
for _kim_user in kimberley kimberley-kcm; do
	if [ "$(id -u)" = 0 ] && ! id "$_kim_user" > /dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$_kim_user"
	fi
done
