#!/usr/bin/env bash
# Patch format 2 (docs/vm.md, "Patch format 2"): kim_disk's round trip
# against QEMU's own view of the disk (qemu-img compare), hostile chunk
# streams refused with nothing left, and whole patches through dekimberlize:
# format 2 and format 1 both resume; a changed byte in the header, the
# middle or the last byte, a truncated patch, a wrong base and an unknown
# format version are refused before QEMU starts, leaving nothing behind.
. "$(dirname "$0")/lib.sh"
tap_plan 22
vm_setup
vm_cache; tap_ok $? "base VMs and patches built (or taken from the cache)"
base=$CACHE/vms/b1
KD=$S/kim_disk P=$S/kim_patch
tap_is "$(head -n 1 "$CACHE/demo.kim")" "KIMBERLEY-PATCH 2" "kimberlize writes format 2 by default"

# kim_disk round trip: an overlay over the base disk with new data, zeros
# over the base's data, a copy of another base block and a repeated block
mkdir "$W/rt"; ln -s "$base/disk.img" "$W/rt/disk.img"
qemu-img create -q -f qcow2 -b disk.img -F raw "$W/rt/ov.qcow2"
head -c 4096 /dev/urandom > "$W/rand"
dd if="$base/disk.img" of="$W/b7" bs=4096 skip=7 count=1 2>/dev/null
qemu-io -f qcow2 -c "write -P 0x5a 1M 64k" -c "write -z 0 8k" -c "write -P 0x11 20M 4k" \
	-c "write -P 0x11 21M 4k" "$W/rt/ov.qcow2" > /dev/null
qemu-io -f qcow2 -c "write -s $W/b7 9M 4k" -c "write -s $W/rand 30M 4k" "$W/rt/ov.qcow2" > /dev/null
: > "$W/rt/data.e"; : > "$W/rt/data.d"
"$KD" encode "$base/disk.img" "$W/rt/ov.qcow2" "$W/rt/k4" "$W/rt/data.e" 2> "$W/rt/enc.log"
tap_ok $? "kim_disk encode ($(cat "$W/rt/enc.log" | sed 's/^kim_disk: //'))"
"$KD" decode "$base/disk.img" "$W/rt/k4" "$W/rt/new.qcow2" "$W/rt/data.d"
tap_ok $? "kim_disk decode"
qemu-img check -q "$W/rt/new.qcow2"; tap_ok $? "the rebuilt overlay passes qemu-img check"
qemu-img compare -q "$W/rt/ov.qcow2" "$W/rt/new.qcow2"
tap_ok $? "qemu-img compare: the guest sees the same disk through both overlays"
tap_ok "$(cmp -s "$W/rt/data.e" "$W/rt/data.d"; echo $?)" "both sides' data files (the memory source) are byte-identical"
"$P" overlay "$base/disk.img" "$W/rt/new.qcow2" > /dev/null; tap_ok $? "kim_patch overlay accepts the rebuilt overlay"

# hostile chunk streams: refused, the output removed
n=$(stat -c %s "$W/rt/k4")
head -c $((n - 3)) "$W/rt/k4" > "$W/rt/cut"
out=$("$KD" decode "$base/disk.img" "$W/rt/cut" "$W/rt/o1" 2>/dev/null)
tap_ok "$([[ $out == "ERROR PATCH_CORRUPT "*truncated* ]] && [ ! -e "$W/rt/o1" ]; echo $?)" "a truncated chunk stream: PATCH_CORRUPT, no image left"
cp "$W/rt/k4" "$W/rt/bad"; printf '\377\377\377\177' | dd of="$W/rt/bad" bs=1 seek=33 conv=notrunc 2>/dev/null
out=$("$KD" decode "$base/disk.img" "$W/rt/bad" "$W/rt/o2" 2>/dev/null)
tap_ok "$([[ $out == "ERROR PATCH_CORRUPT "* ]] && [ ! -e "$W/rt/o2" ]; echo $?)" "a block beyond the disk: PATCH_CORRUPT, no image left"

printf '\377\377\377\377' > "$W/rt/blocks"; : > "$W/rt/data.b"
out=$("$KD" blocks "$base/disk.img" "$W/rt/blocks" "$W/rt/data.b" 2>/dev/null)
tap_ok "$([[ $out == "ERROR PATCH_CORRUPT "*beyond* ]] && [ ! -s "$W/rt/data.b" ]; echo $?)" "a memory block list naming a block beyond the disk: PATCH_CORRUPT"

# whole patches through dekimberlize (no screen needed: -display none)
export KIM_VM_DISPLAY=none
# run_dek PATCH: dekimberlize on the base; "abort" once RESUMED; output in $W/dek.out
run_dek() {
	local s=$W/sess.$RANDOM
	mkdir "$s"
	{ while IFS= read -r l; do echo "$l"; [ "$l" = RESUMED ] && break; done; } < <(
		echo abort | "$S/dekimberlize" -s "$s" -v "$CACHE/vms" -x :0 -A "$ACCEL" -f "$1" b1 2> "$W/dek.err"
	) > "$W/dek.out"
	sleep 0.3
	DEK_LEFT=$(ls -A "$s")
	rm -rf -- "$s"
}
# a patch must resume: dekimberlize reads "abort" only after RESUMED
run_dek "$CACHE/demo.kim"
tap_like "RESUMED" "$(cat "$W/dek.out")" "a format 2 patch resumes (loaded, running, the agent answers)"
tap_is "$DEK_LEFT" "" "and leaves nothing in its session directory"
"$S/kimberlize" -n -F 1 -A "$ACCEL" -v "$CACHE/vms" -i "$ROOT/tests/vm/demo_app" -o "$W/f1.kim" b1 demo > /dev/null 2>&1
tap_is "$(head -n 1 "$W/f1.kim")" "KIMBERLEY-PATCH 1" "kimberlize -F 1 writes today's format 1"
run_dek "$W/f1.kim"
tap_like "RESUMED" "$(cat "$W/dek.out")" "a format 1 patch still resumes"

hl=$(( $(stat -c %s "$CACHE/demo.kim") - $("$P" get "$CACHE/demo.kim" payload-size) ))
sz=$(stat -c %s "$CACHE/demo.kim")
for at in header middle last; do
	case $at in header) off=40;; middle) off=$((hl + (sz - hl) / 2));; last) off=$((sz - 1));; esac
	cp "$CACHE/demo.kim" "$W/c.kim"
	b=$(od -An -tu1 -j "$off" -N1 "$W/c.kim" | tr -d ' ')
	printf "\\$(printf '%03o' $(( (b + 1) % 256 )))" | dd of="$W/c.kim" bs=1 seek="$off" conv=notrunc 2>/dev/null
	run_dek "$W/c.kim"
	tap_like "^ERROR PATCH_(CORRUPT|WRONG_BASE) .*LEFT=$" "$(grep -m1 ^ERROR "$W/dek.out") LEFT=$DEK_LEFT" "a changed byte in the $at (offset $off) is refused ($(head -c 60 "$W/dek.out")), nothing left"
done
head -c $((sz - 1000)) "$CACHE/demo.kim" > "$W/t.kim"
run_dek "$W/t.kim"
tap_like "^ERROR PATCH_CORRUPT .*truncated.*LEFT=$" "$(grep -m1 ^ERROR "$W/dek.out") LEFT=$DEK_LEFT" "a truncated patch is refused, nothing left"
run_dek "$CACHE/other.kim"
tap_like "^ERROR PATCH_WRONG_BASE " "$(cat "$W/dek.out")" "a patch for another base is refused"
sed '1s/^KIMBERLEY-PATCH 2$/KIMBERLEY-PATCH 3/' "$CACHE/demo.kim" > "$W/v3.kim"
run_dek "$W/v3.kim"
tap_like "^ERROR PATCH_CORRUPT .*format version 3" "$(cat "$W/dek.out")" "a patch of format version 3 is refused, naming the version"
tap_is "$(procs_in "$W/" | grep -c qemu)" 0 "no QEMU is left running"
exit $_tap_failed
