# tests/workspace/lib.sh -- shared setup for the workspace backend's TAP tests.
# Every test makes its own directory, X server and ports, and stops what it
# started by PID on exit.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WS=$ROOT/workspace/kim_workspace
KIMNOTE=$ROOT/workspace/kimnote
VNCGRAB=$ROOT/tests/tools/vncgrab
T=$(mktemp -d "${TMPDIR:-/tmp}/kimws-test.XXXXXX")
PIDS=()

. "$ROOT/tests/lib/tap.sh"

[ "$(id -u)" = 0 ] || bail "the workspace backend needs root (mount namespaces, loop devices)"
for f in "$WS" "$KIMNOTE"; do [ -x "$f" ] || bail "$f not built (make)"; done


free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# make_base NAME: a busybox base in $T/vms with fixtures for the region tests.
make_base() {
	local x=$T/extra-$1
	mkdir -p "$x/srv/merge" "$x/srv/opaque" "$x/srv/overlay"
	echo base > "$x/srv/merge/from-base"
	echo base-a > "$x/srv/opaque/a"
	echo base-b > "$x/srv/opaque/b"
	echo doomed > "$x/srv/gone.txt"
	echo original > "$x/srv/overlay/file"
	chmod 0666 "$x/srv/overlay/file"
	"$ROOT/scripts/make_base_workspace" -v "$T/vms" -a "$x" "$1" >/dev/null || bail "make_base_workspace failed"
}

# make_patch BASE OUT: the kimnote app, plus the region fixtures' changes,
# made through scripts/kimberlize (which hands workspace bases to
# kimberlize_workspace with the same arguments).
make_patch() {
	local inst=$T/install-$1
	mkdir -p "$inst"
	cp "$KIMNOTE" "$inst/kimnote"
	cat > "$inst/install.sh" <<'SH'
set -e
mkdir -p /usr/local/bin
cp "$1/kimnote" /usr/local/bin/kimnote
rm /srv/gone.txt
rm -rf /srv/opaque
mkdir /srv/opaque
echo patch > /srv/opaque/p
echo patch > /srv/merge/from-patch
SH
	"$ROOT/scripts/kimberlize" -n -v "$T/vms" -i "$inst" -o "$2" "$1" kimnote >/dev/null 2>"$T/kimberlize.log" ||
		{ cat "$T/kimberlize.log" >&2; bail "kimberlize (workspace) failed"; }
}

# make_floppy FILE: a FAT floppy with a note and a directory.
make_floppy() {
	mkfs.vfat -C -n KIMFLOPPY "$1" 1440 >/dev/null || bail "mkfs.vfat failed"
	echo "first line" > "$T/note.seed"
	MTOOLS_SKIP_CHECK=1 mcopy -i "$1" "$T/note.seed" ::note.txt
	MTOOLS_SKIP_CHECK=1 mmd -i "$1" ::docs
	MTOOLS_SKIP_CHECK=1 mcopy -i "$1" "$T/note.seed" ::docs/keep.txt
}

# hash_tree DIR...: one hash over names, modes and contents.
hash_tree() {
	find "$@" -xdev \( -type f -o -type d -o -type l \) -printf '%p %m %s\n' 2>/dev/null | sort | sha256sum | cut -d' ' -f1
	find "$@" -xdev -type f -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum | sha256sum | cut -d' ' -f1
}

# no_leftovers DESCRIPTION: no mount below the test's directory, no loop
# device still backed by one of its images (other tests on this machine
# mount and unmount things of their own, so count only ours).
no_leftovers() {
	local m l
	m=$(grep -c -- "$T" /proc/self/mounts)
	l=$(losetup -l -n -O BACK-FILE 2>/dev/null | grep -c -- "$T")
	if [ "$m" = 0 ] && [ "$l" = 0 ]; then ok 0 "$1"; else ok 1 "$1"; echo "#   mounts: $m, loop devices: $l"; fi
}
