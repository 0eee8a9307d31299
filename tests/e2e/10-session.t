#!/usr/bin/env bash
# One whole session over the direct link: floppy and patch sent, app
# "started" (fixture), viewer "types" a note, end, delta back, floppy updated.
. "$(dirname "$0")/lib.sh"
tap_plan 12
e2e_setup
start_display; tap_ok $? "display_launcher listens on an ephemeral port"
tap_like "NOT encrypted" "$(cat "$W/display.out")" "it says the direct link is unencrypted"

make_floppy "$W/f.img"
mcopy -i "$W/f.img" - ::KEEP.TXT <<< "kept from before"
head -c 3000000 /dev/urandom > "$W/app.patch"
before=$(sha256sum < "$W/f.img")

out=$(mobile hello-from-the-test -d "$W/f.img" -f "$W/app.patch" demo 2>&1)
rc=$?
tap_is "$rc" 0 "mobile_launcher completes the session"
tap_like "Connected to 'Test display'" "$out" "it names the display"
tap_like "pings, min [0-9.]+ / mean [0-9.]+ / max [0-9.]+ ms" "$out" "it reports the latency probe"
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "hello-from-the-test" \
	"the floppy holds the note typed during the session"
tap_is "$(mtype -i "$W/f.img" ::KEEP.TXT | tr -d '\r')" "kept from before" \
	"what was on the floppy before is still there"
tap_ok "$([ "$(sha256sum < "$W/f.img")" != "$before" ]; echo $?)" "the floppy image changed"
sleep 0.3
spool_empty; tap_ok $? "the display's spool is empty afterwards"
tap_ok "$([ -z "$(ls -A "$W" | grep '^\.f\.img\.kim-')" ]; echo $?)" "no temporary file is left next to the floppy"
for step in connect transfer persistent_state kimberlize end_usage retrieve republish idle; do
	grep -q "step=$step " "$W/display.log" || { missing=$step; break; }
done
tap_is "${missing:-}" "" "the display's log has a line for each step"

# the display is ready for the next person: a session without floppy
out=$(mobile second -f "$W/app.patch" demo 2>&1)
tap_is "$?" 0 "a second session (no floppy) works right after"
exit $_tap_failed
