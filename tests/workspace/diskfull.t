#!/bin/bash
# The display's disk full under the workspace backend (issue 10 item 17):
# the session directory is on a small tmpfs.  Too small for the unpacked
# layer: ERROR DISPLAY_DISK_FULL, not PATCH_CORRUPT.  Filled up while the
# app runs: "end" gives ERROR DISPLAY_DISK_FULL, not END_FAILED, and no
# DELTA.  Both times nothing of the session is left.
. "$(dirname "$0")/lib.sh"

start_xvfb
make_base db
make_patch db "$T/app.kim"
make_floppy "$T/floppy.img"
floppy_sha=$(sha256sum "$T/floppy.img" | cut -d' ' -f1)
# the small disks live outside $T: no_leftovers counts mounts below $T
M=$(mktemp -d "${TMPDIR:-/tmp}/kimws-disk.XXXXXX")
mkdir -m 0700 "$M/small" "$M/big"
mount -t tmpfs -o size=64k,mode=0700 kimberley-test-small "$M/small" || bail "mount tmpfs"
mount -t tmpfs -o size=32m,mode=0700 kimberley-test-big "$M/big" || { umount "$M/small"; bail "mount tmpfs"; }
trap 'cleanup; umount "$M/small" "$M/big"; rmdir "$M/small" "$M/big" "$M"' EXIT

# (1) no room for the layer
"$ROOT/scripts/dekimberlize_workspace" -s "$M/small" -v "$T/vms" -a "$T/floppy.img" -x "$XDISPLAY" \
	-f "$T/app.kim" db </dev/null >"$T/u.out" 2>"$T/u.err"
check "unpack: the backend fails" test $? != 0
like "$(grep '^ERROR' "$T/u.out")" "ERROR DISPLAY_DISK_FULL the display's disk is full" \
	"unpack: ERROR DISPLAY_DISK_FULL"
is "$(grep -c 'PATCH_CORRUPT' "$T/u.out")" 0 "unpack: not PATCH_CORRUPT"
is "$(ls -A "$M/small")" "" "unpack: nothing is left in the session directory"

# (2) full while the app runs, at the write-back
mkfifo "$T/ctl"
exec 5<>"$T/ctl"
"$ROOT/scripts/dekimberlize_workspace" -s "$M/big" -v "$T/vms" -a "$T/floppy.img" -x "$XDISPLAY" \
	-f "$T/app.kim" db <"$T/ctl" >"$T/w.out" 2>"$T/w.err" &
pid=$!
PIDS+=($pid)
for ((i = 0; i < 300; i++)); do
	grep -qE '^(RESUMED|ERROR)' "$T/w.out" && break
	sleep 0.1
done
is "$(grep -E '^(RESUMED|ERROR)' "$T/w.out")" RESUMED "write-back: the backend reports RESUMED"
dd if=/dev/zero of="$M/big/filler" bs=64k 2>/dev/null
echo end >&5
exec 5>&-
wait "$pid"
check "write-back: the backend fails" test $? != 0
like "$(grep '^ERROR' "$T/w.out")" "ERROR DISPLAY_DISK_FULL the display's disk is full" \
	"write-back: ERROR DISPLAY_DISK_FULL"
is "$(grep -c '^ERROR END_FAILED\|^DELTA' "$T/w.out")" 0 "write-back: no END_FAILED, no DELTA"
like "$(grep '^BASE_' "$T/w.out")" BASE_OK "write-back: the base is verified unchanged"
rm -f "$M/big/filler"
is "$(ls -A "$M/big")" "" "write-back: nothing is left in the session directory"
is "$(sha256sum "$T/floppy.img" | cut -d' ' -f1)" "$floppy_sha" "the user's floppy was not modified"
no_leftovers "no mount of the session is left"
done_testing
