#!/usr/bin/env bash
# The patch tool (scripts/kim_patch), make_floppy and vncgrab's refusals,
# without a VM.
. "$(dirname "$0")/lib.sh"
tap_plan 12
vm_setup
P=$S/kim_patch
mkdir "$W/d"
head -c 200000 /dev/urandom > "$W/d/mem.vcdiff"; echo disk > "$W/d/overlay.qcow2"
H=(-H "kind: vm" -H "base: 1111" -H "base-name: b1" -H "app: t")
"$P" pack -o "$W/p.kim" "${H[@]}" "$W/d"; tap_ok $? "pack writes a patch"
"$P" check --kind vm --base 1111 "$W/p.kim" > "$W/out"; tap_ok "$([ $? = 0 ] && [ ! -s "$W/out" ]; echo $?)" "check accepts it silently"
tap_like "^ERROR PATCH_WRONG_KIND .*'vm'.*'workspace'" "$("$P" check --kind workspace "$W/p.kim" 2>/dev/null)" "wrong kind: PATCH_WRONG_KIND naming both"
tap_like "^ERROR PATCH_WRONG_BASE " "$("$P" check --base 2222 "$W/p.kim" 2>/dev/null)" "wrong base: PATCH_WRONG_BASE"
tap_like "^ERROR PATCH_WRONG_QEMU " "$("$P" check --machine pc-q35-7.2 "$W/p.kim" 2>/dev/null)" "wrong machine: PATCH_WRONG_QEMU"
cp "$W/p.kim" "$W/f.kim"; printf 'X' | dd of="$W/f.kim" bs=1 seek=100000 conv=notrunc 2>/dev/null
tap_like "^ERROR PATCH_CORRUPT " "$("$P" check "$W/f.kim" 2>/dev/null)" "a changed byte: PATCH_CORRUPT"
head -c 400 "$W/p.kim" > "$W/t.kim"
tap_like "^ERROR PATCH_CORRUPT .*truncated" "$("$P" check "$W/t.kim" 2>/dev/null)" "a truncated patch: PATCH_CORRUPT"
"$P" unpack "$W/p.kim" "$W/u" && cmp -s "$W/u/mem.vcdiff" "$W/d/mem.vcdiff"
tap_ok $? "unpack gives back the files"
"$S/make_floppy" -o "$W/fl.img" 2>/dev/null && mdir -i "$W/fl.img" :: > /dev/null
tap_ok $? "make_floppy makes a FAT image mtools reads"
"$S/make_floppy" -o "$W/fl.img" 2>/dev/null
tap_ok "$([ $? != 0 ]; echo $?)" "make_floppy does not overwrite an existing image"
"$VNCGRAB" -t 2 -o "$W/st" 127.0.0.1:1 --expect 000000:0.5 2>/dev/null
tap_ok "$([ $? = 1 ]; echo $?)" "vncgrab fails (exit 1) when nothing listens"
tap_like "^FAIL cannot connect" "$(cat "$W/st")" "and says so in its status file"
exit $_tap_failed
