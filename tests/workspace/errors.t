#!/bin/bash
# Bad input to the workspace backend gets one clear ERROR line and loses
# nothing: a VM patch on a workspace base and a workspace patch on a VM base
# (PATCH_WRONG_KIND), a patch for another base, a damaged patch, a floppy that
# is not FAT, an unknown base.
. "$(dirname "$0")/lib.sh"

make_base eb
make_base other
make_patch eb "$T/app.kim"
make_floppy "$T/floppy.img"
floppy_sha=$(sha256sum "$T/floppy.img" | cut -d' ' -f1)

# backend NAME PATCH BASE [FLOPPY]: run dekimberlize_workspace, no X needed to fail
backend() {
	local s=$T/$1
	mkdir -m 0700 "$s"
	"$ROOT/scripts/dekimberlize_workspace" -s "$s" -v "$T/vms" ${4:+-a "$4"} -f "$2" "$3" \
		</dev/null >"$s.out" 2>"$s.err"
	RC=$?
	ERR=$(grep '^ERROR' "$s.out")
	LEFT=$(ls -A "$s")
}

mkdir -p "$T/vmpayload"
echo qcow2 > "$T/vmpayload/overlay.qcow2"
vmid=$(printf 'a%.0s' {1..64})
"$ROOT/scripts/kim_patch" pack -o "$T/vm.kim" -H "kind: vm" -H "base: $vmid" -H "base-name: debian-vm" \
	-H "app: someapp" -H "qemu-version: 7.2.0" -H "machine: pc-i440fx-7.2" "$T/vmpayload" || bail "kim_patch pack"
backend k1 "$T/vm.kim" eb
check "a VM patch on a workspace base fails" test "$RC" != 0
like "$ERR" "ERROR PATCH_WRONG_KIND the patch is for a 'vm' base, but 'eb' here is a 'workspace' base" \
	"... with PATCH_WRONG_KIND and a message naming both kinds"
is "$LEFT" "" "... and leaves nothing in the session directory"

backend k2 "$T/app.kim" other
like "$ERR" "ERROR PATCH_WRONG_BASE the patch fits base 'eb'" "a patch for another base: PATCH_WRONG_BASE naming the patch's base"

cp "$T/app.kim" "$T/bad.kim"
size=$(stat -c %s "$T/bad.kim")
printf 'X' | dd of="$T/bad.kim" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
backend k3 "$T/bad.kim" eb
like "$ERR" "ERROR PATCH_CORRUPT" "a patch damaged in transit: PATCH_CORRUPT"
is "$LEFT" "" "... and nothing is left in the session directory"

head -c 1000 "$T/app.kim" > "$T/short.kim"
backend k4 "$T/short.kim" eb
like "$ERR" "ERROR PATCH_CORRUPT" "a truncated patch: PATCH_CORRUPT"

echo "not a patch" > "$T/junk.kim"
backend k5 "$T/junk.kim" eb
like "$ERR" "ERROR PATCH_CORRUPT 'junk.kim' is not a Kimberley patch" "a file that is no patch: PATCH_CORRUPT naming it"

head -c 1474560 /dev/urandom > "$T/junk.img"
backend k6 "$T/app.kim" eb "$T/junk.img"
like "$ERR" "ERROR FLOPPY_BAD" "a floppy that is not FAT: FLOPPY_BAD"
is "$LEFT" "" "... and nothing is left in the session directory"

backend k7 "$T/app.kim" nosuchbase "$T/floppy.img"
like "$ERR" "ERROR NO_SUCH_VM" "an unknown base: NO_SUCH_VM"

is "$(sha256sum "$T/floppy.img" | cut -d' ' -f1)" "$floppy_sha" "the user's floppy was never modified"
no_leftovers "no mount is left behind"

# The reverse: a workspace patch on a VM base, through the VM backend.
mkdir -p "$T/vms/vmbase"
printf 'kind=vm\nidentity=%s\n' "$vmid" > "$T/vms/vmbase/base.info"
if [ -x "$ROOT/scripts/dekimberlize" ]; then
	mkdir -m 0700 "$T/k8"
	"$ROOT/scripts/dekimberlize" -s "$T/k8" -v "$T/vms" -A tcg -f "$T/app.kim" vmbase \
		</dev/null >"$T/k8.out" 2>"$T/k8.err"
	rc=$?
	check "a workspace patch on a VM base fails" test "$rc" != 0
	like "$(grep '^ERROR' "$T/k8.out")" "ERROR PATCH_WRONG_KIND" "... with PATCH_WRONG_KIND from the VM backend"
	like "$(grep '^ERROR' "$T/k8.out")" "workspace" "... and a message that names the workspace kind"
else
	ok 1 "a workspace patch on a VM base fails with PATCH_WRONG_KIND (scripts/dekimberlize is missing)"
fi
done_testing
