#!/usr/bin/env bash
# KCM as its own unprivileged user (issue 12, docs/design.md section 7.1):
# the display's KCM, started as root with --user kimberley-kcm, drops to
# that user with no capability once its bus name, identity and Avahi client
# are set up, and a whole session still runs through its TLS tunnel.
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
FIX=$ROOT/tests/fixtures
tap_plan 7
kcm_up
[ -x "$DL" ] && [ -x "$ML" ] || { echo "Bail out! build the launchers first"; exit 1; }
printf '[D-BUS Service]\nName=org.kimberley.KCM\nExec=%s --user kimberley-kcm\n' "$KCM" \
	> "$HOSTS_DIR/disp/dbus-services/org.kimberley.KCM.service"
field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$2/status"; }

display_up
tap_like "published as 'Room S' through KCM" "$(cat "$W/display.out")" \
	"display_launcher publishes itself through a KCM that drops to its own user"
kp=$(pgrep -f -- "$KCM --user kimberley-kcm" | head -n 1)
tap_ok "$([ -n "$kp" ]; echo $?)" "the display's KCM runs (pid ${kp:-none})"
tap_is "$(field Uid "$kp" | awk '{ print $1 $2 $3 $4 }')" \
	"$(id -u kimberley-kcm)$(id -u kimberley-kcm)$(id -u kimberley-kcm)$(id -u kimberley-kcm)" \
	"it runs as kimberley-kcm (real, effective, saved, file-system uid)"
tap_is "$(field CapEff "$kp")$(field CapPrm "$kp")$(field CapBnd "$kp")" \
	000000000000000000000000000000000000000000000000 "with no capability (effective, permitted, bounding)"
tap_is "$(field NoNewPrivs "$kp")" 1 "... and no way to gain one"

mkfs.vfat -C -n KIMFLOPPY "$W/f.img" 1440 > /dev/null
head -c 2000000 /dev/urandom > "$W/app.patch"
out=$(on_mob "$ML" --pings 2 --viewer "$FIX/fake_viewer {host} {port} {password_file} via-kcm-user" \
	-n "Room S" -d "$W/f.img" -f "$W/app.patch" demo 2>&1)
rc=$?
tap_is "$rc" 0 "a whole session runs through the unprivileged KCM's tunnel"
[ "$rc" = 0 ] || tap_diag "$out"
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" via-kcm-user "the floppy holds the note"
exit $_tap_failed
