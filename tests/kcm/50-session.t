#!/usr/bin/env bash
# A whole session across the two test hosts through KCM: display_launcher
# on disp publishes itself, mobile_launcher on mob finds it by name, the
# session runs through the TLS tunnel (fixture setup script and viewer, as
# in tests/e2e), and more sessions run after the mobile's and then the
# display's KCM restart.
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
FIX=$ROOT/tests/fixtures
tap_plan 14
kcm_up
[ -x "$DL" ] && [ -x "$ML" ] || { echo "Bail out! build the launchers first"; exit 1; }

display_up
tap_like "published as 'Room S' through KCM" "$(cat "$W/display.out")" "display_launcher publishes itself through KCM"

mkfs.vfat -C -n KIMFLOPPY "$W/f.img" 1440 > /dev/null
mcopy -i "$W/f.img" - ::KEEP.TXT <<< "kept from before"
head -c 3000000 /dev/urandom > "$W/app.patch"
before=$(sha256sum < "$W/f.img")

mobile() {  # mobile NOTE [options...]
	local note=$1
	shift
	on_mob "$ML" --pings 3 --viewer "$FIX/fake_viewer {host} {port} {password_file} $note" "$@"
}
out=$(mobile hello-through-kcm -n "Room S" -d "$W/f.img" -f "$W/app.patch" demo 2>&1)
rc=$?
tap_is "$rc" 0 "mobile_launcher on mob completes the session through KCM"
[ "$rc" = 0 ] || tap_diag "$out"
tap_like "Connected to 'Room S'" "$out" "it names the display it found"
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "hello-through-kcm" \
	"the floppy holds the note typed during the session"
tap_is "$(mtype -i "$W/f.img" ::KEEP.TXT | tr -d '\r')" "kept from before" "and what it held before"
tap_ok "$([ "$(sha256sum < "$W/f.img")" != "$before" ]; echo $?)" "the floppy image changed"
tap_like "step=republish .*ready for the next person" "$(cat "$W/display.log")" \
	"the display re-published itself after the session"

# KCM dials inward from a loopback address of the peer's own (127.h.h.h):
# display_launcher can tell strangers apart (its access-code backoff is per
# source) although every tunnelled connection arrives on loopback.
peers=$(grep -oE 'step=connect conn=[0-9]+ peer=[0-9.]+' "$W/display.log" | sed 's/.*peer=//' | sort -u)
tap_like '^127\.[0-9]+\.[0-9]+\.[0-9]+$' "$peers" "the tunnelled mobile's connections come from one loopback source"
tap_ok "$([ -n "$peers" ] && [ "$peers" != 127.0.0.1 ]; echo $?)" "... of its own, not 127.0.0.1"
kill_kcm mob; tap_ok $? "the mobile's KCM is stopped between sessions"
out=$(mobile second -f "$W/app.patch" demo 2>&1)
rc=$?
tap_is "$rc" 0 "a second session (no name: the only display) works with a fresh KCM"
[ "$rc" = 0 ] || tap_diag "$out"
kill_kcm disp; tap_ok $? "the display's KCM is stopped between sessions"
for i in $(seq 200); do grep -q "published again as" "$W/display.out" && break; sleep 0.05; done
tap_like "KCM restarted; published again as 'Room S'" "$(cat "$W/display.out")" \
	"display_launcher notices and publishes again (KCM activated anew)"
out=$(mobile third -n "Room S" -f "$W/app.patch" demo 2>&1)
rc=$?
tap_is "$rc" 0 "a third session works through the restarted display KCM"
[ "$rc" = 0 ] || tap_diag "$out"
exit $_tap_failed
