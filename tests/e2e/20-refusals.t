#!/usr/bin/env bash
# Every bad input gets its own error, and the display keeps serving.
. "$(dirname "$0")/lib.sh"
tap_plan 50
e2e_setup
start_display --max-file-size 2; tap_ok $? "display up"
P="127.0.0.1:$PORT"
poke() { "$POKE" "$P" "$@" 2>&1; }

tap_like "^NAME_SLASH:"    "$(poke name 'dir/file')"     "a name with / is refused"
tap_like "^NAME_DOTDOT:"   "$(poke name '..')"           "a name .. is refused"
tap_like "^NAME_DOTDOT:"   "$(poke name 'a..b')"         "a name containing .. is refused"
tap_like "^NAME_NUL:"      "$(poke name 'ab%00cd')"      "a name with NUL is refused"
tap_like "^NAME_EMPTY:"    "$(poke name '')"             "an empty name is refused"
tap_like "^NAME_TOO_LONG:" "$(poke long-name)"           "a name over 1024 bytes is refused"
tap_like "^NAME_BAD:"      "$(poke name '.hidden')"      "a name starting with . is refused"
tap_like "^CHUNK_TOO_BIG:" "$(poke chunk-too-big)"       "a piece of 1 MiB + 1 is refused"
tap_like "^OK:"            "$(poke chunk-exactly-1mib)"  "a piece of exactly 1 MiB is accepted"
tap_like "^TOO_MANY_BYTES:" "$(poke too-many-bytes)"     "more bytes than announced are refused"
tap_like "^CHECKSUM:"      "$(poke checksum)"            "a checksum mismatch is refused"
tap_like "^TRUNCATED:"     "$(poke truncated)"           "a file that ends early is refused"
tap_like "^FILE_TOO_BIG:"  "$(poke seed-send big.bin 3000000)" "a file over the display's limit is refused"
tap_like "^OK:"            "$(poke seed-send small.bin 1000)" "the seed's send_file + send_file_partial still work"
tap_like "^NO_SUCH_VM:"    "$(poke start nosuchvm x.patch)" "an unknown VM name is refused"
tap_like "^VMNAME_BAD:"    "$(poke start "$(printf 'v%.0s' $(seq 129))" x.patch)" "a VM name over 128 bytes is refused"
tap_like "^NO_PATCH:"      "$(poke start demo never-sent.patch)" "use_kimberlize_file before the patch arrived is refused"
tap_like "^NO_SESSION:"    "$(poke end)"                 "end_usage before a session is refused"
tap_like "^OUT_OF_ORDER:"  "$(poke retrieve floppy.vcdiff)" "retrieve_file before the end is refused"
tap_like "^NO_SUCH_FILE:"  "$(poke floppy never-sent.img)" "use_persistent_state of a file never sent is refused"
tap_like "^URL_BAD:"       "$(poke start-url demo ftp://example.invalid/x)" "a non-http URL is refused"
tap_like "^VERSION:"       "$(poke hello 99)"            "a different protocol version is refused"

poke half-then-hang-up > /dev/null
sleep 0.3
spool_empty; tap_ok $? "a partial file is removed when the client hangs up mid-transfer"

# the mobile's own refusals: one line, non-zero exit
make_floppy "$W/f.img"
echo data > "$W/app.patch"
out=$(mobile x -d "$W/f.img" -f "$W/app.patch" nosuchvm 2>&1); rc=$?
tap_like "no VM named 'nosuchvm' on this display" "$out" "mobile_launcher says which VM is missing"
tap_ok "$([ $rc -ne 0 ] && [ "$(printf '%s\n' "$out" | grep -c 'mobile_launcher:')" = 1 ]; echo $?)" \
	"... in one line, with a non-zero exit"
out=$("$ML" -c "$P" -f "$W/missing.patch" demo 2>&1)
tap_like "cannot read the patch .*missing.patch" "$out" "a missing local patch is named"
out=$("$ML" -c "$P" -i "file:///etc/passwd" demo 2>&1)
tap_like "only http:// and https://" "$out" "a file:// URL is refused locally"
printf 'FIXTURE-FAIL PATCH_WRONG_BASE this patch is for base abc, the display has def\n' > "$W/bad.patch"
before=$(sha256sum < "$W/f.img")
out=$(mobile x -d "$W/f.img" -f "$W/bad.patch" demo 2>&1)
tap_like "different base VM.*for base abc, the display has def" "$out" \
	"the setup script's refusal reaches the user with its detail"
tap_is "$(sha256sum < "$W/f.img")" "$before" "the floppy is unchanged after a refused session"

# issue 10 item 1: a name travels as opaque bytes without a NUL; the display
# must use exactly those bytes (24 and 40 bytes broke it: heap bytes after)
for n in 24 40; do
	q=$(printf 'q%.0s' $(seq $n))
	tap_like "^detail: '$q' is 3000000 bytes;" "$(poke name-size "$q" 3000000)" \
		"a refusal echoes a $n-byte name exactly, nothing after it"
	nm=$(printf 'p%.0s' $(seq $((n - 6)))).patch
	cp "$W/app.patch" "$W/$nm"
	out=$(mobile len$n -d "$W/f.img" -f "$W/$nm" demo 2>&1)
	tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "len$n" \
		"mobile_launcher sends a patch whose name has $n bytes"
done

# issue 10 item 7: a name the spool's file system cannot hold is refused up
# front, with its own error (not "disk full" after the whole upload)
tap_like "^OK:"            "$(poke name-len 255)"        "a name of 255 bytes is accepted"
tap_like "^NAME_FS_LONG:"  "$(poke name-len 256)"        "a name of 256 bytes is refused up front"
tap_like "^detail: .*at most 255 bytes" "$(poke name-len 1024)" "... saying the file system's limit"

# issue 10 item 8: files and bytes per session are capped (defaults: 16
# files, twice --max-file-size in all)
tap_like "^after 16 files: TOO_MANY_FILES:" "$(poke many-files 20 10)" \
	"the 17th file of a session is refused"
tap_like "^after 2 files: SESSION_TOO_BIG:" "$(poke many-files 3 2000000)" \
	"a file that takes the session over 2 x max-file-size is refused"
tap_like "^after 16 files: TOO_MANY_FILES:" "$(poke many-files 17 0)" \
	"... empty files count too"

# issue 10 item 6: client strings cannot forge log lines; repeated refusals
# do not flood the log
forged='t=1.5 prog=display_launcher pid=1 step=auth conn=99 mechanism=access-code ok'
poke hello-as "evil"$'\n'"$forged" > /dev/null
tap_ok "$(! grep -q "^t=1.5 prog=display_launcher pid=1 step=auth" "$W/display.log"; echo $?)" \
	"a newline in hello's client name does not start a forged log line"
tap_like 'client="evil\\x0at=1\.5 ' "$(grep 'step=hello' "$W/display.log")" \
	"... the client name is logged quoted, its newline escaped"
poke name-size 'say"hi".bin' 3000000 > /dev/null
tap_like "detail=\"'say\\\\\"hi\\\\\".bin' is 3000000 bytes" "$(grep 'code=FILE_TOO_BIG' "$W/display.log")" \
	"... a quote in a name cannot end the quoted detail"
before=$(grep -c 'code=NO_TRANSFER' "$W/display.log")
poke refuse-flood 3000 > /dev/null
sleep 0.3
after=$(grep -c 'code=NO_TRANSFER' "$W/display.log")
tap_ok "$([ $((after - before)) -le 10 ]; echo $?)" \
	"3000 refused batch pieces write a few log lines, not 3000 (wrote $((after - before)))"
tap_like "code=NO_TRANSFER repeated [0-9]+ more times" "$(grep 'code=NO_TRANSFER' "$W/display.log")" \
	"... and one line says how many more were refused"

# still serving: a whole session works after all that
out=$(mobile after-refusals -d "$W/f.img" -f "$W/app.patch" demo 2>&1)
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "after-refusals" \
	"after every refusal the display still serves a whole session"

# the caps are options
stop_display
start_display --max-files 2 --max-session-size 1; tap_ok $? "display up with --max-files 2 --max-session-size 1"
P="127.0.0.1:$PORT"
tap_like "^after 2 files: TOO_MANY_FILES:" "$(poke many-files 3 10)" "--max-files 2 takes two files"
tap_like "^detail: .*at most 2 files" "$(poke many-files 3 10)" "... and says so"
tap_like "^after 1 files: SESSION_TOO_BIG:" "$(poke many-files 2 600000)" "--max-session-size 1 takes 1 MiB in all"
exit $_tap_failed
