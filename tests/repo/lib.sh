# tests/repo/lib.sh -- a patch repository for a test: a real Apache
# (repo/kim_repo_serve) on a free loopback port, three users and two groups,
# ended by PID at exit (docs/repository.md).  Source after tests/lib/tap.sh.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KR=$ROOT/repo/kim_repo
SERVE=$ROOT/repo/kim_repo_serve
RD=		# the repository's directory
RURL=		# its URL
RPID=		# Apache's PID

# make_patch OUT APP BASE [PAYLOAD_BYTES]: a patch file with a real header
# (docs/contract.md section 3) and a random payload.
make_patch() {
	local out=$1 app=$2 base=$3 n=${4:-4000} pay
	pay=$(mktemp "$T/pay.XXXXXX")
	head -c "$n" /dev/urandom > "$pay"
	{
		printf 'KIMBERLEY-PATCH 1\nkind: vm\nbase: %s\nbase-name: demo\napp: %s\n' "$base" "$app"
		printf 'qemu-version: 7.2.0\nmachine: pc-i440fx-7.2\ncompression: zstd\n'
		printf 'encryption: none\npayload-size: %s\npayload-sha256: %s\n\n' "$n" \
			"$(sha256sum < "$pay" | cut -d' ' -f1)"
		cat "$pay"
	} > "$out"
	rm -f "$pay"
}

# repo_start [kim_repo_serve options]: users alice (publishes to lab),
# bob (member of lab), eve (member and publisher of other); password
# files $T/alice.pw ...; sets RD, RURL, RPID.
repo_start() {
	local u port i try
	RD=$T/repo
	mkdir -p "$RD"
	chmod 755 "$T" "$RD"
	for u in alice bob eve; do
		echo "pw-$u-$RANDOM" > "$T/$u.pw"
		if [ -e "$RD/users" ]; then
			htpasswd -iB "$RD/users" "$u" < "$T/$u.pw" 2>/dev/null
		else
			htpasswd -ciB "$RD/users" "$u" < "$T/$u.pw" 2>/dev/null
		fi
	done
	printf 'lab: bob\nlab.publishers: alice\nother: eve\nother.publishers: eve\n' > "$RD/groups"
	for try in 1 2 3; do
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		"$SERVE" -l "127.0.0.1:$port" "$@" "$RD" > "$T/serve.log" 2>&1 &
		RPID=$!
		PIDS+=("$RPID")
		RURL=http://127.0.0.1:$port
		for i in $(seq 100); do
			[ "$(curl -s -o /dev/null -w '%{http_code}' "$RURL/api/groups")" = 401 ] && return 0
			kill -0 "$RPID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null
	done
	cat "$T/serve.log" "$RD/run/error.log" 2>/dev/null | sed 's/^/# /'
	return 1
}

# kr USER ARGS...: kim_repo as USER with USER's password file
kr() { local u=$1 c=$2; shift 2; "$KR" "$c" -u "$u" --password-file "$T/$u.pw" "$@"; }

# code [curl options] URL: the HTTP status only
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# GETs of PATH in Apache's access log
gets() { grep -c "\"GET $1 " "$RD/run/access.log"; }
