#!/usr/bin/env bash
# A session from the repository with the SHA-256 pinned (mobile_launcher
# -i SIGNED_URL --sha256 HEX), against a real Apache and the fixture setup
# script: the display refuses bytes that do not match the pin and leaves
# nothing behind; its patch cache serves the second session without a
# second download (Apache's access log shows one GET) and evicts the least
# recently used patch over its cap (docs/repository.md).  The mobile
# learns the display's bases (LIST_BASES) and searches the repository for
# the patches that fit it.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
tap_plan 27
e2e_setup
T=$W
command -v apache2 > /dev/null || { echo "Bail out! apache2 is not installed"; exit 1; }
repo_start; tap_ok $? "Apache serves the repository"
e2e_bg "$RPID"
B=$(printf 'c%.0s' $(seq 64))
make_patch "$W/a.kim" appa "$B" 400000
make_patch "$W/b.kim" appb "$B" 400000
make_patch "$W/c.kim" appc "$B" 400000
for x in a b c; do kr alice publish --version 1 "$RURL" lab "$W/$x.kim" > /dev/null || echo "# publish $x failed"; done
read -r ua sa <<< "$(kr bob url --sha --ttl 600 "$RURL" lab/appa-1.kim)"
tap_is "$sa" "$(sha256sum < "$W/a.kim" | cut -d' ' -f1)" "the search's SHA-256 is the patch's"

start_display --url-allow 127.0.0.1/32 --patch-cache "$W/cache" --patch-cache-size 1
tap_ok $? "display up with a patch cache of 1 MiB"
make_floppy "$W/f.img"
out=$(mobile pinned -d "$W/f.img" -i "$ua" --sha256 "$sa" demo 2>&1)
tap_is "$?" 0 "a session from a signed URL with the SHA-256 pinned completes"
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "pinned" "... and the floppy holds the note"
tap_is "$(gets "/k/.*/lab/appa-1.kim")" 1 "... after one GET"
check_cache() { [ -f "$W/cache/$1" ] && [ "$(sha256sum < "$W/cache/$1" | cut -d' ' -f1)" = "$1" ]; }
check_cache "$sa"; tap_ok $? "the patch is in the display's cache under its SHA-256"
out=$(mobile again -d "$W/f.img" -i "$ua" --sha256 "$sa" demo 2>&1)
tap_is "$?" 0 "a second session with the same pin completes"
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "again" "... and the floppy holds its note"
tap_is "$(gets "/k/.*/lab/appa-1.kim")" 1 "... without a second download (still one GET)"
tap_like "cache hit" "$(cat "$W/display.log")" "... the display's log says it was a cache hit"

# the same in one command: kim_repo url --pinned gives URL#sha256=HEX
out=$(mobile one -d "$W/f.img" -i "$(kr bob url --pinned "$RURL" lab/appa-1.kim)" demo 2>&1)
tap_is "$?" 0 "a session from kim_repo url --pinned's URL completes"
tap_is "$(gets "/k/.*/lab/appa-1.kim")" 1 "... from the cache (the pin is the key)"

# a pin the served bytes do not match (as when the file was swapped on the
# server: the display cannot tell the two apart)
wrong=$(sha256sum < "$W/b.kim" | cut -d' ' -f1)
out=$(mobile x -d "$W/f.img" -i "$ua" --sha256 "$wrong" demo 2>&1)
tap_is "$?" 1 "a patch whose bytes do not match the pin is refused"
tap_like "not the patch the mobile asked for" "$out" "... with a clear reason"
tap_is "$(ls -A "$W/spool")" "" "... and nothing is left in the spool"
[ ! -e "$W/cache/$wrong" ]; tap_ok $? "... nor in the cache"
out=$("$ML" -c "127.0.0.1:$PORT" -i "$ua" --sha256 1234 demo 2>&1)
tap_like "64 hex digits" "$out" "a malformed --sha256 is refused by the mobile"

# the cap: three patches of 400 kB in 1 MiB, the least recently used goes
read -r ub sb <<< "$(kr bob url --sha --ttl 600 "$RURL" lab/appb-1.kim)"
read -r uc sc <<< "$(kr bob url --sha --ttl 600 "$RURL" lab/appc-1.kim)"
mobile b -d "$W/f.img" -i "$ub" --sha256 "$sb" demo > /dev/null 2>&1
sleep 0.05
mobile a -d "$W/f.img" -i "$ua" --sha256 "$sa" demo > /dev/null 2>&1	# a used again
sleep 0.05
mobile c -d "$W/f.img" -i "$uc" --sha256 "$sc" demo > /dev/null 2>&1
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "c" "three more sessions complete"
check_cache "$sa" && check_cache "$sc"; tap_ok $? "the cache keeps the two most recently used"
[ ! -e "$W/cache/$sb" ]; tap_ok $? "... and evicted the least recently used one"
tap_is "$(du -cb "$W"/cache/* | tail -n 1 | cut -f1)" "$(( $(stat -c %s "$W/a.kim") + $(stat -c %s "$W/c.kim") ))" \
	"... so it stays under its cap"

# which patches fit this display: its bases, then the repository's search
printf 'kind=vm\nidentity=%s\n' "$B" > "$W/vms/demo/base.info"
mkdir -p "$W/vms/other"
printf 'kind=vm\nidentity=%s\n' "$(printf 'e%.0s' $(seq 64))" > "$W/vms/other/base.info"
make_patch "$W/z.kim" appz "$(printf 'f%.0s' $(seq 64))"
kr alice publish --version 1 "$RURL" lab "$W/z.kim" > /dev/null
out=$("$ML" -c "127.0.0.1:$PORT" --list-bases 2>/dev/null)
tap_is "$out" "$(printf '%s\tvm\tdemo\n%s\tvm\tother' "$B" "$(printf 'e%.0s' $(seq 64))")" \
	"mobile_launcher --list-bases prints the display's bases (LIST_BASES)"
out=$(PATH=$ROOT/repo:$PATH KIM_REPO_USER=bob KIM_REPO_PASSWORD_FILE=$W/bob.pw \
	"$ML" -c "127.0.0.1:$PORT" -q --search "$RURL" 2>&1)
tap_is "$?" 0 "mobile_launcher --search REPO_URL runs the repository's search"
tap_is "$(echo "$out" | cut -f1 | sort | tr '\n' ' ')" "appa appb appc " \
	"... and lists the patches of the display's bases only"
tap_like "demo	lab	appa-1.kim" "$out" "... with the base's name, the group and the file"
out=$(PATH=$ROOT/repo:$PATH KIM_REPO_USER=eve KIM_REPO_PASSWORD_FILE=$W/eve.pw \
	"$ML" -c "127.0.0.1:$PORT" -q --search "$RURL" 2>&1)
tap_is "$(echo "$out" | grep -c 'lab')" 0 "a non-member's search through the mobile shows nothing of lab"
