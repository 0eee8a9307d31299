# kim_version.sh -- --version for the shell tools (sourced, bash):
#   kim_version_arg PROG "$@"
# prints "PROG (Kimberley) VERSION" and exits 0 when the first argument is
# --version.  VERSION is the tree's top-level file (installed beside the
# scripts), the one place the version is written.
kim_version_arg() {
	local prog=$1 d v=''
	[ "${2:-}" = --version ] || return 0
	d=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	for f in "$d/VERSION" "$d/../VERSION"; do
		[ -r "$f" ] && { v=$(head -n 1 "$f"); break; }
	done
	echo "$prog (Kimberley) ${v:-unknown}"
	exit 0
}
