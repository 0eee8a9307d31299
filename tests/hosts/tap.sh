# tests/hosts/tap.sh -- minimal TAP output for the harness's own tests (bash).
_tap_n=0
_tap_failed=0
tap_plan() { echo "1..$1"; }
tap_ok() {  # tap_ok STATUS DESCRIPTION
    _tap_n=$((_tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $_tap_n - $2"
    else
        echo "not ok $_tap_n - $2"
        _tap_failed=$((_tap_failed + 1))
    fi
}
tap_diag() { printf '# %s\n' "$@"; }

# display_launcher's RPC side and KCM run as these users (docs/operator.md);
# made once, as `make install-user` does -- never by the programs themselves
for _kim_user in kimberley kimberley-kcm; do
	if [ "$(id -u)" = 0 ] && ! id "$_kim_user" > /dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$_kim_user"
	fi
done
