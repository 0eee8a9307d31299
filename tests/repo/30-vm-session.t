#!/usr/bin/env bash
# From publisher to screen with the real VM backend (docs/repository.md):
# the demo app's patch is published to a real Apache, a member finds it
# among the patches that fit the display's base, mints a signed URL, and
# runs a whole session through both launchers with -i SIGNED_URL --sha256:
# vncgrab sees the app, types a note, the floppy holds it.  Then the file
# is swapped on the server: the display refuses it before starting
# anything, and leaves nothing behind.
. "$(dirname "$0")/../vm/lib.sh"
. "$(dirname "$0")/lib.sh"
tap_plan 15
vm_setup
T=$W
command -v apache2 > /dev/null || { echo "Bail out! apache2 is not installed"; exit 1; }
vm_cache; tap_ok $? "base VM and demo patch built (or taken from the cache)"
repo_start; tap_ok $? "Apache serves the repository"
vm_bg "$RPID"
id=$(grep '^identity=' "$CACHE/vms/b1/base.info" | cut -d= -f2)
sha=$(sha256sum < "$CACHE/demo.kim" | cut -d' ' -f1)

out=$(kr alice publish --version 1.0 "$RURL" lab "$CACHE/demo.kim" 2>&1)
tap_is "$out" "lab/demo-1.0.kim $sha $(stat -c %s "$CACHE/demo.kim")" "the publisher publishes the demo patch"

start_xvfb; tap_ok $? "Xvfb is the display's screen ($XDISPLAY)"
mkdir -p "$W/spool"
"$DL" -l 127.0.0.1:0 --port-file "$W/port" --spool "$W/spool" --vm-dir "$CACHE/vms" \
	--setup-script "$S/display_setup" --x-display "$XDISPLAY" --accel "$ACCEL" \
	--url-allow 127.0.0.1/32 --log "$W/display.log" "VM test display" > "$W/display.out" 2>&1 &
DPID=$!
vm_bg $DPID
for i in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
PORT=$(cat "$W/port" 2>/dev/null)
tap_ok "$([ -n "$PORT" ]; echo $?)" "display_launcher listens on 127.0.0.1:$PORT"

# 1. which patches fit this display
out=$(PATH=$ROOT/repo:$PATH KIM_REPO_USER=bob KIM_REPO_PASSWORD_FILE=$T/bob.pw \
	"$ML" -c "127.0.0.1:$PORT" -q --search "$RURL" 2>&1)
tap_is "$out" "$(printf 'demo\t1.0\t%s\t%s\tb1\tlab\tdemo-1.0.kim' "$(stat -c %s "$CACHE/demo.kim")" "$sha")" \
	"the member's search through the mobile finds the patch for the display's base"
# 2. a signed URL for it, with the SHA-256 from the repository
read -r url pin <<< "$(kr bob url --sha "$RURL" lab/demo-1.0.kim)"
tap_is "$pin" "$sha" "the signed URL comes with the patch's SHA-256"
# 3. the session
"$S/make_floppy" -o "$W/floppy.img" 2>/dev/null
viewer="$VNCGRAB -H {host} -P {port} -p {password_file} -t 90 -o $W/viewer.status"
viewer="$viewer --expect aa00aa:0.25 --type from\\sthe\\srepository\\n --expect 00aa00:0.25"
out=$("$ML" -c "127.0.0.1:$PORT" --pings 3 -d "$W/floppy.img" -i "$url" --sha256 "$pin" \
	--viewer "$viewer" b1 2>&1)
rc=$?
tap_is "$rc" 0 "mobile_launcher -i SIGNED_URL --sha256 completes a whole session"
[ "$rc" = 0 ] || tap_diag "$out" "$(tail -n 30 "$W/display.log")"
tap_is "$(cat "$W/viewer.status" 2>/dev/null)" OK "the viewer saw the app, typed, and saw it saved"
tap_is "$(mtype -i "$W/floppy.img" ::NOTE.TXT 2>&1 | tr -d '\r')" "from the repository" \
	"the mobile's floppy holds the typed note"
tap_is "$(gets "/k/.*/lab/demo-1.0.kim")" 1 "the display fetched the patch anonymously, once"
# 4. the file swapped on the server (another base's patch): refused
cp "$CACHE/other.kim" "$RD/dav/patches/lab/demo-1.0.kim"
out=$("$ML" -c "127.0.0.1:$PORT" --pings 3 -i "$url" --sha256 "$pin" --viewer "$viewer" b1 2>&1)
tap_is "$?" 1 "a swapped file is refused"
tap_like "not the patch the mobile asked for" "$out" "... because its SHA-256 is not the pinned one"
tap_is "$(grep -c 'step=setup' <(grep -A100000 'not the patch the mobile' "$W/display.log"))" 0 \
	"... before the setup script ran"
sleep 0.5
tap_is "$(ls -A "$W/spool")" "" "... and nothing is left in the spool"
exit $_tap_failed
