#!/bin/bash
# Bad input to the workspace backend gets one clear ERROR line and loses
# nothing: a VM patch on a workspace base and a workspace patch on a VM base
# (PATCH_WRONG_KIND), a patch for another base, a damaged patch, a floppy that
# is not FAT, an unknown base; a layer holding what a layer may not (a device
# node, a set-uid file, a symlink out of the layer, an absolute symlink) is
# refused with PATCH_UNSAFE before anything runs, and the display file the
# link names is untouched.
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

# crafted layers: the real patch's layer plus one forbidden entry, repacked
# with the real header
mkdir -p "$T/good-layer"
"$ROOT/scripts/kim_patch" unpack "$T/app.kim" "$T/good-layer" || bail "kim_patch unpack"
hdr=()
while IFS= read -r l; do
	case $l in compression:*|encryption:*|payload-*) ;; *) hdr+=(-H "$l");; esac
done < <("$ROOT/scripts/kim_patch" info "$T/app.kim")
head -c 4096 /dev/urandom > "$T/display-file"
display_sha=$(sha256sum "$T/display-file" | cut -d' ' -f1)
# crafted NAME COMMAND...: $T/NAME.kim, COMMAND run in a copy of the layer
crafted() {
	local n=$1; shift
	cp -a "$T/good-layer" "$T/layer-$n"
	(cd "$T/layer-$n" && "$@") || bail "crafting $n"
	"$ROOT/scripts/kim_patch" pack -o "$T/$n.kim" "${hdr[@]}" "$T/layer-$n" || bail "packing $n"
}
crafted dev mknod usr/local/bin/disk b 7 0
crafted suid sh -c 'cp usr/local/bin/kimnote usr/local/bin/su && chmod 4755 usr/local/bin/su'
crafted sgid sh -c 'echo x > etc/kimberley/g && chmod 2755 etc/kimberley/g'
crafted escape ln -s ../../../../../../../../"$T/display-file" etc/kimberley/notes
crafted dotdot ln -s kimberley/../../../.. etc/up
crafted abs ln -s "$T/display-file" etc/kimberley/app2
crafted fifo mkfifo srv/pipe
crafted fine sh -c 'mkdir -p usr/bin && ln -s ../local/bin/kimnote usr/bin/kimnote && ln usr/local/bin/kimnote usr/local/bin/kn2'
for c in "dev:a device node" "suid:a set-uid or set-gid file" "sgid:a set-uid or set-gid file" \
	 "escape:a symbolic link out of the layer" "dotdot:a symbolic link out of the layer" \
	 "abs:an absolute symbolic link" "fifo:a FIFO or socket"; do
	n=${c%%:*}
	backend "u-$n" "$T/$n.kim" eb "$T/floppy.img"
	like "$ERR" "ERROR PATCH_UNSAFE the patch's '" "a layer with ${c#*:} ($n): PATCH_UNSAFE"
	like "$ERR" "is ${c#*:}, which a workspace patch may not contain" "... naming what it holds"
	is "$LEFT" "" "... and nothing is left in the session directory"
done
is "$(sha256sum "$T/display-file" | cut -d' ' -f1)" "$display_sha" "the display file the links named is byte-identical"
backend u-fine "$T/fine.kim" eb "$T/floppy.img"
is "$ERR" "" "a layer with a relative symlink and a hard link inside it is accepted"

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
