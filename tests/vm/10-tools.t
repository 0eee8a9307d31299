#!/usr/bin/env bash
# The patch tool (scripts/kim_patch), make_floppy and vncgrab's refusals,
# without a VM.
. "$(dirname "$0")/lib.sh"
tap_plan 21
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

# Nothing of a corrupt payload is left behind.
out=$("$P" unpack "$W/f.kim" "$W/uf" 2>/dev/null); rc=$?
tap_ok "$([ $rc = 1 ] && [[ $out == "ERROR PATCH_CORRUPT payload sha256 mismatch"* ]] && [ ! -e "$W/uf" ]; echo $?)" \
	"unpack of a changed byte: PATCH_CORRUPT, no directory made"
# a payload whose hash is right but whose stream breaks off (made by someone
# else's broken packer): tar extracts a part before the stream fails
hl=$(( $(stat -c %s "$W/p.kim") - $("$P" get "$W/p.kim" payload-size) ))
tail -c +$((hl + 1)) "$W/p.kim" | head -c $(( $("$P" get "$W/p.kim" payload-size) * 9 / 10 )) > "$W/cut.payload"
{ "$P" info "$W/p.kim" | sed '/^payload-/d; 1i KIMBERLEY-PATCH 1'
  echo "payload-size: $(stat -c %s "$W/cut.payload")"
  echo "payload-sha256: $(sha256sum < "$W/cut.payload" | cut -d' ' -f1)"; echo; cat "$W/cut.payload"; } > "$W/cut.kim"
mkdir "$W/control"; zstd -d -q -c < "$W/cut.payload" 2>/dev/null | tar -C "$W/control" -xf - 2>/dev/null
tap_ok "$([ -n "$(find "$W/control" -type f)" ]; echo $?)" "(control) tar alone extracts files from the cut-off stream"
"$P" check "$W/cut.kim" >/dev/null 2>&1; tap_ok $? "check (size and hash) accepts the cut-off payload"
out=$("$P" unpack "$W/cut.kim" "$W/uc" 2>/dev/null); rc=$?
tap_ok "$([ $rc = 1 ] && [[ $out == "ERROR PATCH_CORRUPT the payload does not decompress"* ]]; echo $?)" \
	"unpack of the cut-off stream: PATCH_CORRUPT"
tap_is "$(ls -A "$W/uc" 2>&1)" "" "and no extracted file is left behind"
tap_like "^ERROR PATCH_CORRUPT .*not decompress" "$("$P" check --deep "$W/cut.kim" 2>/dev/null)" "check --deep finds it too"
# encrypted: the right key gives the files back, a wrong key leaves nothing
(umask 077; openssl rand -hex 32 > "$W/key"; openssl rand -hex 32 > "$W/wkey")
"$P" pack -o "$W/e.kim" -k "$W/key" "${H[@]}" "$W/d" &&
"$P" unpack --key "$W/key" "$W/e.kim" "$W/ue" && cmp -s "$W/ue/mem.vcdiff" "$W/d/mem.vcdiff"
tap_ok $? "an encrypted patch unpacks with its key"
out=$("$P" unpack --key "$W/wkey" "$W/e.kim" "$W/uw" 2>/dev/null); rc=$?
tap_ok "$([ $rc = 1 ] && [[ $out == "ERROR PATCH_KEY "* ]] && [ -z "$(ls -A "$W/uw")" ]; echo $?)" \
	"with a wrong key: PATCH_KEY and nothing extracted"
tap_like "^ERROR PATCH_KEY .*no key" "$("$P" unpack "$W/e.kim" "$W/un" 2>/dev/null)" "without a key: PATCH_KEY"
"$S/make_floppy" -o "$W/fl.img" 2>/dev/null && mdir -i "$W/fl.img" :: > /dev/null
tap_ok $? "make_floppy makes a FAT image mtools reads"
"$S/make_floppy" -o "$W/fl.img" 2>/dev/null
tap_ok "$([ $? != 0 ]; echo $?)" "make_floppy does not overwrite an existing image"
"$VNCGRAB" -t 2 -o "$W/st" 127.0.0.1:1 --expect 000000:0.5 2>/dev/null
tap_ok "$([ $? = 1 ]; echo $?)" "vncgrab fails (exit 1) when nothing listens"
tap_like "^FAIL cannot connect" "$(cat "$W/st")" "and says so in its status file"
exit $_tap_failed
