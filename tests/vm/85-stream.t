#!/usr/bin/env bash
# Patch format 2's payload without tar (docs/vm.md, "Patch format 2"): the
# three parts concatenated, their sizes in the header; `kim_patch pack -F 2
# -c none`, check --deep and unpack of such a patch, plain and encrypted,
# and what they refuse.  Then `kim_patch stream`: a patch read while it is
# still arriving, its parts written to FIFOs as they come, the payload's
# SHA-256 checked at the end; refused headers before any part is opened.
# A small fake patch made of random files: no VM is needed.
. "$(dirname "$0")/lib.sh"
tap_plan 42
vm_setup
mounted=
trap '[ -z "$mounted" ] || umount "$W/small"; vm_teardown' EXIT
P=$S/kim_patch
BASE=$(printf base | sha256sum | cut -d' ' -f1)
H=(-H "kind: vm" -H "base: $BASE" -H "base-name: b1" -H "app: fake"
	-H "qemu-version: 7.2.0" -H "machine: pc-i440fx-7.2" -H "mem-size: 1000000")
mkdir "$W/parts"
head -c 307200 /dev/urandom > "$W/parts/disk.k4.zst"
head -c 8192 /dev/urandom > "$W/parts/mem.blocks"
head -c 204800 /dev/urandom > "$W/parts/mem.zst"
same_parts() {   # same_parts DIR: DIR holds exactly the three parts, unchanged
	[ "$(ls -A "$1" | tr '\n' ' ')" = "disk.k4.zst mem.blocks mem.zst " ] &&
		cmp -s "$1/disk.k4.zst" "$W/parts/disk.k4.zst" &&
		cmp -s "$1/mem.blocks" "$W/parts/mem.blocks" && cmp -s "$1/mem.zst" "$W/parts/mem.zst"
}

# ---- pack, check, unpack
"$P" pack -F 2 -c none -o "$W/p.kim" "${H[@]}" "$W/parts"; tap_ok $? "pack -F 2 -c none writes a patch"
tap_is "$("$P" info "$W/p.kim" | grep -E '^(layout|disk-part-size|mem-blocks-size|mem-delta-size|compression|payload-size):' | tr '\n' ' ')" \
	"layout: parts disk-part-size: 307200 mem-blocks-size: 8192 mem-delta-size: 204800 compression: none payload-size: 520192 " \
	"its header: layout parts, the three sizes from the files, compression none, payload = their sum"
N=$(stat -c %s "$W/p.kim")
HL=$((N - 520192))
tap_is "$(tail -c 520192 "$W/p.kim" | sha256sum)" "$(cat "$W/parts/disk.k4.zst" "$W/parts/mem.blocks" "$W/parts/mem.zst" | sha256sum)" \
	"the payload is disk.k4.zst, mem.blocks and mem.zst concatenated (no tar)"
"$P" check --deep --kind vm --base "$BASE" "$W/p.kim"; tap_ok $? "check --deep accepts it"
"$P" unpack --tree vm "$W/p.kim" "$W/u"
tap_ok "$(same_parts "$W/u"; echo $?)" "unpack --tree vm: the three files, byte-identical"
tap_is "$(stat -c %a "$W/u/disk.k4.zst" "$W/u/mem.blocks" "$W/u/mem.zst" | tr '\n' ' ')" "600 600 600 " "... mode 0600"
(umask 077; openssl rand -hex 32 > "$W/key"; openssl rand -hex 32 > "$W/wkey")
"$P" pack -F 2 -c none -k "$W/key" -o "$W/e.kim" "${H[@]}" "$W/parts" &&
	"$P" check --deep --key "$W/key" "$W/e.kim"
tap_ok $? "an encrypted parts patch: packed, check --deep with its key"
"$P" unpack --key "$W/key" "$W/e.kim" "$W/ue"
tap_ok "$(same_parts "$W/ue"; echo $?)" "... unpacks to the three files, byte-identical"
out=$("$P" unpack --key "$W/wkey" "$W/e.kim" "$W/uw" 2>/dev/null); rc=$?
tap_like "^ERROR PATCH_KEY .*wrong key" "$out rc=$rc" "... with a wrong key: PATCH_KEY"
tap_is "$(ls -A "$W/uw")" "" "... and the directory is left empty"
out=$("$P" check --deep --key "$W/wkey" "$W/e.kim" 2>/dev/null)
tap_like "^ERROR PATCH_KEY " "$out" "check --deep with a wrong key: PATCH_KEY"

# pack's refusals
"$P" pack -F 2 -c none -o "$W/x.kim" "${H[@]}" -H "disk-part-size: 5" "$W/parts" 2> "$W/err"
tap_like "rc=2 .*computes 'disk-part-size' itself" "rc=$? $(cat "$W/err")" "pack refuses a part size given with -H (one source of truth)"
"$P" pack -c none -o "$W/x.kim" "${H[@]}" "$W/parts" 2>/dev/null; r1=$?
"$P" pack -F 2 -o "$W/x.kim" "${H[@]}" "$W/parts" 2>/dev/null; r2=$?
cp -r "$W/parts" "$W/parts4"; : > "$W/parts4/extra"
"$P" pack -F 2 -c none -o "$W/x.kim" "${H[@]}" "$W/parts4" 2>/dev/null; r3=$?
rm "$W/parts4/extra" "$W/parts4/mem.zst"; : > "$W/parts4/mem.vcdiff"
"$P" pack -F 2 -c none -o "$W/x.kim" "${H[@]}" "$W/parts4" 2>/dev/null; r4=$?
tap_is "$r1 $r2 $r3 $r4 $(ls "$W"/x.kim* 2>/dev/null)" "2 2 2 2 " \
	"pack refuses -c none without -F 2, -F 2 without -c none, a fourth file, another file name; nothing written"

# what check and unpack refuse (the header is not hashed: edited with sed)
sed '1s/^KIMBERLEY-PATCH 2$/KIMBERLEY-PATCH 1/' "$W/p.kim" > "$W/f1.kim"
out=$("$P" check "$W/f1.kim" 2>/dev/null); rc=$?
tap_like "^ERROR PATCH_CORRUPT a format 1 patch's payload is a compressed tar.* rc=1$" "$out rc=$rc" \
	"a format 1 patch with compression none: PATCH_CORRUPT"
out=$("$P" unpack "$W/f1.kim" "$W/uf1" 2>/dev/null)
tap_like "^ERROR PATCH_CORRUPT .*LEFT=$" "$out LEFT=$(ls -A "$W/uf1" 2>/dev/null)" "... unpack refuses it too, nothing written"
sed 's/^mem-blocks-size: 8192$/mem-blocks-size: 8193/' "$W/p.kim" > "$W/sum.kim"
out=$("$P" check "$W/sum.kim" 2>/dev/null); rc=$?
tap_like "^ERROR PATCH_CORRUPT the parts' sizes in the header \(307200 \+ 8193 \+ 204800 bytes\) do not add up to the payload's 520192 bytes rc=1$" \
	"$out rc=$rc" "part sizes that do not add up to payload-size: PATCH_CORRUPT"
# check_edited SED_EXPR ERROR_PATTERN DESCRIPTION: the patch with one header
# line changed by SED_EXPR is refused with that error
check_edited() {
	sed "$1" "$W/p.kim" > "$W/edited.kim"
	tap_like "$2" "$("$P" check "$W/edited.kim" 2>/dev/null)" "$3"
}
check_edited 's/^mem-blocks-size: 8192$/mem-blocks-size: 8x92/' \
	"^ERROR PATCH_CORRUPT mem-blocks-size '8x92' is not a number" "a part size that is not a number: PATCH_CORRUPT"
check_edited 's/^layout: parts$/layout: tarss/' \
	"^ERROR PATCH_CORRUPT a format 2 patch must say 'layout: parts'" "a format 2 patch without 'layout: parts': PATCH_CORRUPT"
check_edited 's/^compression: none$/compression: zstd/' \
	"^ERROR PATCH_CORRUPT a format 2 patch must say 'compression: none'" \
	"a format 2 patch with a compressed payload (the old tar): PATCH_CORRUPT"
check_edited 's/^mem-delta-size: 204800$/mem-delta-sizz: 204800/' \
	"^ERROR PATCH_CORRUPT patch header lacks 'mem-delta-size'" "a format 2 patch lacking a part size: PATCH_CORRUPT"

# the display's disk full while the parts are written: DISPLAY_DISK_FULL
mkdir "$W/small"
if mount -t tmpfs -o size=256k tmpfs "$W/small"; then
	mounted=1
	out=$("$P" unpack "$W/p.kim" "$W/small/u" 2>/dev/null); rc=$?
	tap_like "^ERROR DISPLAY_DISK_FULL .* rc=1 LEFT=$" "$out rc=$rc LEFT=$(ls -A "$W/small/u")" \
		"unpack onto a full disk: DISPLAY_DISK_FULL, the directory left empty"
else
	tap_ok 0 "# SKIP cannot mount a tmpfs"
fi

# ---- stream
# stream_run NAME PATCH OPTION...: kim_patch stream PATCH with OPTIONs into
# three FIFOs in $W/NAME (d, b, m), each read by `cat` into d.out, b.out,
# m.out once opened (d.opened...); stdout $W/NAME/out, exit status
# $W/NAME/rc, the patch file's size when "HEADER ok" came: at_header.
# Everything bounded by timeout; readers still waiting are ended.
mem_reader='cat <&3 > "$1.out"'
stream_run() {
	local d=$W/$1 p=$2 f r pids=() rc
	shift 2
	mkdir "$d"
	for f in d b m; do
		mkfifo "$d/$f"
		if [ $f = m ]; then r=$mem_reader; else r='cat <&3 > "$1.out"'; fi
		timeout 20 bash -c 'exec 3< "$1"; : > "$1.opened"; '"$r" _ "$d/$f" &
		pids+=($!)
	done
	timeout 30 "$P" stream --kind vm --base "$BASE" --qemu-version 7.2.0 --machine pc-i440fx-7.2 "$@" \
		--disk "$d/d" --blocks "$d/b" --mem "$d/m" "$p" 2> "$d/err" |
		while IFS= read -r l; do
			printf '%s\n' "$l"
			[ "$l" != "HEADER ok" ] || stat -c %s "$p" > "$d/at_header"
		done > "$d/out"
	rc=${PIPESTATUS[0]}
	echo "$rc" > "$d/rc"
	if [ "$rc" != 0 ]; then sleep 0.3; kill "${pids[@]}" 2>/dev/null; fi
	wait "${pids[@]}" 2>/dev/null
	return 0
}
opened() { (cd "$W/$1" && ls -- *.opened 2>/dev/null | tr '\n' ' '); }
same_out() {   # same_out NAME: the readers got the three parts, byte-identical
	cmp -s "$W/$1/d.out" "$W/parts/disk.k4.zst" && cmp -s "$W/$1/b.out" "$W/parts/mem.blocks" &&
		cmp -s "$W/$1/m.out" "$W/parts/mem.zst"
}
# grow SRC DST N...: append SRC to DST in pieces of N bytes 0.3 s apart, then the rest
grow() {
	local src=$1 dst=$2 off=0 n
	shift 2
	for n in "$@"; do
		dd if="$src" iflag=skip_bytes,count_bytes skip="$off" count="$n" bs=64k 2>/dev/null >> "$dst"
		off=$((off + n))
		sleep 0.3
	done
	dd if="$src" iflag=skip_bytes skip="$off" bs=64k 2>/dev/null >> "$dst"
}

# a patch that is still arriving: in pieces, the first inside the header
: > "$W/grow.kim"
grow "$W/p.kim" "$W/grow.kim" 40 $((HL - 40 + 1000)) 100000 1 200000 150000 &
g=$!
stream_run grow "$W/grow.kim" --size "$N"
wait $g
tap_is "$(cat "$W/grow/rc") $(cat "$W/grow/out" | tr '\n' ' ')" "0 HEADER ok PAYLOAD ok " \
	"stream of a growing file: exit 0, HEADER ok then PAYLOAD ok"
tap_ok "$(same_out grow; echo $?)" "... the FIFOs' readers got the three parts byte-identical"
tap_ok "$([ "$(cat "$W/grow/at_header")" -lt "$N" ]; echo $?)" \
	"... HEADER ok came before the whole file had arrived ($(cat "$W/grow/at_header") of $N bytes)"

# an empty part is opened and closed (its reader sees an empty file)
cp -r "$W/parts" "$W/parts0"; : > "$W/parts0/mem.blocks"
"$P" pack -F 2 -c none -o "$W/p0.kim" "${H[@]}" "$W/parts0"
stream_run zero "$W/p0.kim" --size "$(stat -c %s "$W/p0.kim")"
tap_is "$(cat "$W/zero/rc") $(opened zero)$(stat -c %s "$W/zero/b.out")" "0 b.opened d.opened m.opened 0" \
	"an empty memory block list: its FIFO opened and closed, the others delivered"

# more bytes than --size: only N are read
{ cat "$W/p.kim"; head -c 1000 /dev/urandom; } > "$W/long.kim"
stream_run long "$W/long.kim" --size "$N"
tap_is "$(cat "$W/long/rc") $(tail -n 1 "$W/long/out")" "0 PAYLOAD ok" "a file longer than --size: its first N bytes are the patch"
tap_ok "$(same_out long; echo $?)" "... parts byte-identical"

# changed bytes; a byte of the header's values is refused before any part is opened
flip() {   # flip SRC OFFSET DST: DST is SRC with one byte changed
	local b
	cp "$1" "$3"
	b=$(od -An -tu1 -j "$2" -N1 "$3" | tr -d ' ')
	printf "\\$(printf '%03o' $(( (b + 1) % 256 )))" | dd of="$3" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
off=$(grep -abo -m1 "base: $BASE" "$W/p.kim" | cut -d: -f1)
flip "$W/p.kim" $((off + 20)) "$W/hb.kim"
stream_run hb "$W/hb.kim" --size "$N"
tap_like "^ERROR PATCH_WRONG_BASE .* rc=1 opened=$" "$(cat "$W/hb/out") rc=$(cat "$W/hb/rc") opened=$(opened hb)" \
	"a changed byte in the header's base: PATCH_WRONG_BASE, no part opened"
sed 's/^disk-part-size: 307200$/disk-part-size: 307201/' "$W/p.kim" > "$W/hs.kim"
stream_run hs "$W/hs.kim" --size "$N"
tap_like "^ERROR PATCH_CORRUPT the parts' sizes .* rc=1 opened=$" "$(cat "$W/hs/out") rc=$(cat "$W/hs/rc") opened=$(opened hs)" \
	"a changed byte in a part's size: PATCH_CORRUPT (sizes do not add up), no part opened"
sed 's/^payload-size: 520192$/payload-size: 520193/' "$W/p.kim" > "$W/hp.kim"
stream_run hp "$W/hp.kim" --size "$N"
tap_like "^ERROR PATCH_CORRUPT payload is 520192 bytes, header says 520193 .* rc=1 opened=$" \
	"$(cat "$W/hp/out") rc=$(cat "$W/hp/rc") opened=$(opened hp)" \
	"a changed byte in payload-size: PATCH_CORRUPT, no part opened"
for at in start middle end; do
	case $at in start) o=$HL;; middle) o=$((HL + 520192 / 2));; end) o=$((N - 1));; esac
	flip "$W/p.kim" "$o" "$W/c$at.kim"
	stream_run "c$at" "$W/c$at.kim" --size "$N"
	tap_is "$(cat "$W/c$at/rc") $(cat "$W/c$at/out" | tr '\n' ' ')" \
		"1 HEADER ok ERROR PATCH_CORRUPT payload sha256 mismatch (file damaged in transit?) " \
		"a changed byte at the payload's $at (offset $o): exit 1, sha256 mismatch, no PAYLOAD ok"
done

# a patch that stops arriving
head -c $((N - 1000)) "$W/p.kim" > "$W/cut.kim"
stream_run cut "$W/cut.kim" --size "$N" --idle 1
tap_is "$(cat "$W/cut/rc") $(grep ^ERROR "$W/cut/out")" \
	"1 ERROR PATCH_CORRUPT the patch stopped arriving after $((N - 1000)) of $N bytes" \
	"a file that stops growing: refused after --idle 1, naming how much arrived"
head -c 30 "$W/p.kim" > "$W/cuth.kim"
stream_run cuth "$W/cuth.kim" --size "$N" --idle 0.5
tap_like "^ERROR PATCH_CORRUPT the patch stopped arriving after 30 of $N bytes rc=1 opened=$" \
	"$(cat "$W/cuth/out") rc=$(cat "$W/cuth/rc") opened=$(opened cuth)" "... within its header: no part opened"

# refused before any part is opened
stream_run wb "$W/p.kim" --size "$N" --base "$(printf other | sha256sum | cut -d' ' -f1)"
tap_like "^ERROR PATCH_WRONG_BASE the patch fits base 'b1' .* rc=1 opened=$" \
	"$(cat "$W/wb/out") rc=$(cat "$W/wb/rc") opened=$(opened wb)" "another base: PATCH_WRONG_BASE, no part opened"
stream_run enc "$W/e.kim" --size "$(stat -c %s "$W/e.kim")"
tap_like "^ERROR PATCH_CORRUPT cannot stream an encrypted patch rc=1 opened=$" \
	"$(cat "$W/enc/out") rc=$(cat "$W/enc/rc") opened=$(opened enc)" "an encrypted patch: refused, no part opened"
"$P" pack -o "$W/t1.kim" "${H[@]}" "$W/parts"
stream_run f1 "$W/t1.kim" --size "$(stat -c %s "$W/t1.kim")"
tap_like "^ERROR PATCH_CORRUPT cannot stream a format 1 patch .* rc=1 opened=$" \
	"$(cat "$W/f1/out") rc=$(cat "$W/f1/rc") opened=$(opened f1)" "a format 1 patch (a tar): refused, no part opened"
stream_run sz "$W/p.kim" --size $((N + 1)) --idle 0.5
tap_like "^ERROR PATCH_CORRUPT payload is 520193 bytes, header says 520192 .* rc=1 opened=$" \
	"$(cat "$W/sz/out") rc=$(cat "$W/sz/rc") opened=$(opened sz)" "--size not the header's: PATCH_CORRUPT, no part opened"

# the memory part's reader dies: the part could not be delivered
mem_reader='head -c 10 <&3 > "$1.out"'
stream_run epipe "$W/p.kim" --size "$N"
mem_reader='cat <&3 > "$1.out"'
tap_like "^1 HEADER ok ERROR PATCH_CORRUPT the patch's memory part could not be delivered to '.*/m': Broken pipe $" \
	"$(cat "$W/epipe/rc") $(cat "$W/epipe/out" | tr '\n' ' ')" "a part's reader that quits: exit 1 naming the part (EPIPE)"

# usage errors: exit 2
timeout 10 "$P" stream --kind vm --base "$BASE" --qemu-version 7.2.0 --machine m \
	--disk "$W/d" --blocks "$W/b" --mem "$W/m" "$W/p.kim" 2>/dev/null; r1=$?
timeout 10 "$P" stream --kind vm --base "$BASE" --qemu-version 7.2.0 --machine m --size "$N" --idle x \
	--disk "$W/d" --blocks "$W/b" --mem "$W/m" "$W/p.kim" 2>/dev/null; r2=$?
timeout 10 "$P" stream --kind vm --base "$BASE" --qemu-version 7.2.0 --machine m --size 12ab \
	--disk "$W/d" --blocks "$W/b" --mem "$W/m" "$W/p.kim" 2>/dev/null; r3=$?
tap_is "$r1 $r2 $r3" "2 2 2" "stream without --size, with a bad --idle or --size: usage error, exit 2"
out=$(timeout 10 "$P" stream --kind vm --base "$BASE" --qemu-version 7.2.0 --machine m --size "$N" \
	--disk "$W/d" --blocks "$W/b" --mem "$W/m" "$W/nosuch.kim" 2>/dev/null)
tap_like "^ERROR PATCH_CORRUPT cannot read patch file" "$out" "a missing patch file: PATCH_CORRUPT"
exit $_tap_failed
