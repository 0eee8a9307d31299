#!/usr/bin/env bash
# What the VM backend refuses, with a clear message, losing nothing: a patch
# for another base, a patch with one flipped byte, an unknown VM name, an
# encrypted patch without / with the wrong key, a disk overlay that names an
# external data file, another backing file, another backing format or is no
# qcow2 at all (PATCH_UNSAFE, before QEMU opens anything; the display file it
# names stays byte-identical).  An encrypted patch with the right key
# resumes; "abort" ends it without a delta.  The base is unchanged
# throughout.
. "$(dirname "$0")/lib.sh"
tap_plan 32
vm_setup
vm_cache; tap_ok $? "base VM and patches built (or taken from the cache)"
base=$CACHE/vms/b1
before=$(base_hash "$base")
start_xvfb; tap_ok $? "Xvfb is the display's screen"
mkdir "$W/mobile"
start_display
"$S/make_floppy" -o "$W/mobile/floppy.img" 2>/dev/null
fl_before=$(sha256sum < "$W/mobile/floppy.img")
viewer="$VNCGRAB -H {host} -P {port} -p {password_file} -t 20 --expect aa00aa:0.25"
mobile() { "$ML" -c "127.0.0.1:$PORT" --pings 2 -d "$W/mobile/floppy.img" --viewer "$viewer" "$@" 2>&1; }

# a patch made for another base (same name, different build)
cp "$CACHE/other.kim" "$W/mobile/other.kim"
out=$(mobile -f "$W/mobile/other.kim" b1); rc=$?
tap_ok "$([ $rc != 0 ]; echo $?)" "a patch for another base is refused"
tap_like "different base" "$out" "the mobile says it was made for a different base"
tap_like "PATCH_WRONG_BASE.*the patch fits base 'b1' [0-9a-f]{12}, this display's base is [0-9a-f]{12}" \
	"$(cat "$W/display.log")" "the display's log names both bases"

# one flipped byte in the payload
cp "$CACHE/demo.kim" "$W/mobile/flipped.kim"
size=$(stat -c %s "$W/mobile/flipped.kim")
off=$(( size - size / 3 ))
b=$(od -An -tu1 -j "$off" -N1 "$W/mobile/flipped.kim" | tr -d ' ')
printf "\\$(printf '%03o' $(( b ^ 1 )))" | dd of="$W/mobile/flipped.kim" bs=1 seek="$off" conv=notrunc 2>/dev/null
out=$(mobile -f "$W/mobile/flipped.kim" b1); rc=$?
tap_ok "$([ $rc != 0 ]; echo $?)" "a patch with one flipped byte is refused"
tap_like "corrupt" "$out" "the mobile says the patch is corrupt"

# an unknown VM name
cp "$CACHE/demo.kim" "$W/mobile/demo.kim"
out=$(mobile -f "$W/mobile/demo.kim" nosuchvm); rc=$?
tap_ok "$([ $rc != 0 ]; echo $?)" "an unknown VM name is refused"
tap_like "no VM by that name" "$out" "the mobile says there is no such VM"
tap_is "$(sha256sum < "$W/mobile/floppy.img")" "$fl_before" "the mobile's floppy is untouched by refused sessions"

# display_setup directly (the contract): encrypted patches
mkdir "$W/plain" "$W/sess"
"$S/kim_patch" unpack "$CACHE/demo.kim" "$W/plain"
(umask 077; openssl rand -hex 32 > "$W/key"; openssl rand -hex 32 > "$W/wrongkey")
hdr=()
while IFS= read -r l; do
	# (pack -c none writes the layout and the parts' sizes itself)
	case $l in compression:*|encryption:*|payload-*|layout:*|disk-part-size:*|mem-blocks-size:*|mem-delta-size:*) ;;
	*) hdr+=(-H "$l");; esac
done < <("$S/kim_patch" info "$CACHE/demo.kim")
# (demo.kim is in patch format 2, kimberlize's default: repacked as such)
"$S/kim_patch" pack -F 2 -c none -o "$W/enc.kim" -k "$W/key" "${hdr[@]}" "$W/plain"
setup() { "$S/display_setup" -s "$W/sess" -v "$CACHE/vms" -x "$XDISPLAY" -A "$ACCEL" "$@"; }

# crafted disk overlays, each in the demo patch with its real header; the
# display file they name is made after qemu-img (which creates a data file)
vfile=$W/display-file.img
# (format 1 patches: an overlay.qcow2 and a memory delta, which is never
# read -- the overlay is refused first; a format 2 patch's overlay is made
# on the display by kim_disk and checked the same way)
craft() {   # craft NAME: $W/c-NAME/overlay.qcow2 is made by the caller
	cp "$W/plain/mem.zst" "$W/c-$1/mem.vcdiff"
	"$S/kim_patch" pack -o "$W/mobile/$1.kim" "${hdr[@]}" "$W/c-$1"
}
mkdir "$W/c-datafile" "$W/c-backing" "$W/c-format" "$W/c-vmdk"
qemu-img create -q -f qcow2 -u -o data_file="$vfile" -b disk.img -F raw "$W/c-datafile/overlay.qcow2" 32M
qemu-img create -q -f qcow2 -u -b "$vfile" -F raw "$W/c-backing/overlay.qcow2" 32M
qemu-img create -q -f qcow2 -u -b disk.img -F qcow2 "$W/c-format/overlay.qcow2" 32M
printf '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 65536 FLAT "%s" 0\n' \
	"$vfile" > "$W/c-vmdk/overlay.qcow2"
head -c 33554432 /dev/urandom > "$vfile"
vsha=$(sha256sum < "$vfile")
for c in datafile backing format vmdk; do craft $c; done
out=$(mobile -f "$W/mobile/datafile.kim" b1); rc=$?
tap_ok "$([ $rc != 0 ]; echo $?)" "an overlay naming an external data file is refused"
tap_like "holds something a display does not run.*names an external data file" "$out" \
	"... and the mobile says why"
for c in "datafile:names an external data file" "backing:names another backing file than the base's disk" \
	 "format:names a backing format that is not raw" "vmdk:is not a qcow2 image"; do
	n=${c%%:*}
	out=$(setup b1 "$W/mobile/$n.kim" < /dev/null 2>/dev/null)
	tap_like "^ERROR PATCH_UNSAFE the patch's disk overlay ${c#*:}" "$(grep ^ERROR <<< "$out")" \
		"display_setup refuses an overlay that ${c#*:}: PATCH_UNSAFE"
	tap_ok "$(grep -q '^RESUMED\|^STEP loaded' <<< "$out"; [ $? != 0 ]; echo $?)" "... before QEMU runs"
	tap_is "$(ls -A "$W/sess")" "" "... and leaves nothing in the session directory"
done
tap_is "$(sha256sum < "$vfile")" "$vsha" "the display file the overlays named is byte-identical"
out=$(setup b1 "$W/enc.kim" < /dev/null 2>/dev/null)
tap_like "^ERROR PATCH_KEY" "$(grep ^ERROR <<< "$out")" "an encrypted patch without a key: PATCH_KEY"
out=$(setup -k "$W/wrongkey" b1 "$W/enc.kim" < /dev/null 2>/dev/null)
tap_like "^ERROR PATCH_KEY" "$(grep ^ERROR <<< "$out")" "an encrypted patch with the wrong key: PATCH_KEY"
out=$(setup -k "$W/key" b1 nosuch < /dev/null 2>/dev/null; setup -k "$W/key" nosuchvm "$W/enc.kim" < /dev/null 2>/dev/null)
tap_like "ERROR NO_PATCH .*ERROR NO_SUCH_VM" "$(tr '\n' ' ' <<< "$out")" "missing patch file / unknown VM: NO_PATCH / NO_SUCH_VM"
# the right key: resumes, the viewer sees the app; then abort
mkfifo "$W/in"
setup -k "$W/key" b1 "$W/enc.kim" < "$W/in" > "$W/setup.out" 2> "$W/setup.err" &
SP=$!; vm_bg $SP
exec {in}> "$W/in"
for i in $(seq 600); do grep -q '^RESUMED\|^ERROR' "$W/setup.out" && break; sleep 0.1; done
port=$(sed -n 's/^VNC //p' "$W/setup.out")
"$VNCGRAB" -H 127.0.0.1 -P "$port" -p "$W/sess/vnc.passwd" -t 30 --expect aa00aa:0.25 2>/dev/null
tap_ok $? "the encrypted patch with the right key resumes and shows the app"
echo abort >&"$in"; exec {in}>&-
wait $SP; rc=$?
tap_ok "$([ $rc = 0 ] && ! grep -q '^DELTA' "$W/setup.out" && grep -q '^BASE_OK' "$W/setup.out"; echo $?)" \
	"abort ends the session without a delta, BASE_OK"
tap_is "$(ls -A "$W/sess")" "" "display_setup left nothing in the session directory"
sleep 0.3
tap_ok "$([ "$(base_hash "$base")" = "$before" ] && [ -z "$(ls -A "$W/spool")" ] &&
	[ -z "$(procs_in "$W/" | grep -v "^$DPID ")" ]; echo $?)" \
	"base unchanged, spool empty, no QEMU or x11vnc left"
exit $_tap_failed
