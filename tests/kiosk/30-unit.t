#!/bin/bash
# The systemd unit verifies with systemd-analyze (a broken copy does not: the
# check can fail), restarts on failure, comes after D-Bus; the example
# display.conf names every option display_launcher takes a value for, and
# display_launcher accepts it with every line uncommented.
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
U=$ROOT/kiosk/kimberley-display.service
EX=$ROOT/kiosk/display.conf.example
[ -x "$DL" ] && [ -f "$U" ] || bail "build first (make)"
command -v systemd-analyze >/dev/null || bail "systemd-analyze is missing (apt-get install systemd)"

# man pages where systemd-analyze's Documentation= check looks
mkdir -p "$T/man/man8"
cp "$ROOT/man/display_launcher.8" "$T/man/man8/"
cp "$U" "$T/kimberley-display.service"
out=$(MANPATH=$T/man systemd-analyze verify "$T/kimberley-display.service" 2>&1)
rc=$?
is "$rc:$out" "0:" "systemd-analyze verify: the unit is clean (Documentation= man page found too)"
sed 's/^Restart=on-failure/Restart=sometimes/; s|^ExecStart=/usr/bin/|ExecStart=/nonexistent/|' "$U" > "$T/broken.service"
out=$(MANPATH=$T/man systemd-analyze verify "$T/broken.service" 2>&1)
rc=$?
check "a broken copy of it fails the same check (rc=$rc)" test "$rc" != 0
like "$out" "nonexistent" "... naming what is wrong"

section() { sed -n "/^\[$1\]/,/^\[/p" "$U"; }
like "$(section Service)" "Restart=on-failure" "the service restarts on failure"
like "$(section Unit)" "After=dbus.service" "it starts after D-Bus"
like "$(section Install)" "WantedBy=multi-user.target" "systemctl enable starts it at boot"
exe=$(sed -n 's/^ExecStart=//p' "$U" | awk '{print $1}')
check "its ExecStart program ($exe) is on this system" test -x "$exe"

# The example configuration: every option display_launcher -h lists with a
# value, and nothing it would refuse.
opts=$("$DL" -h | grep -oE -- '--[a-z-]+ [A-Z]' | sed 's/^--//; s/ .*//' | grep -vx config | sort -u)
check "display_launcher -h lists options" test -n "$opts"
missing=
for o in $opts; do grep -qE "^#$o = " "$EX" || missing+=" $o"; done
is "$missing" "" "display.conf.example has a commented line for every option"
sed -e 's/^#\([a-z-]* = \)/\1/' "$EX" > "$T/all.conf"
is "$(grep -cE '^[a-z-]+ = ' "$T/all.conf")" "$(echo "$opts" | wc -l)" "... one each"
out=$("$DL" --config "$T/all.conf" -h 2>&1 >/dev/null)
is "$?:$out" "0:" "display_launcher accepts the example with every line uncommented"
printf 'accel = warp\n' > "$T/bad.conf"
out=$("$DL" --config "$T/bad.conf" -h 2>&1 >/dev/null)
rc=$?
is "$rc" 2 "a bad value in a config file is refused (exit 2)"
like "$out" "bad.conf:1: bad setting 'accel = warp'" "... with the file, line and setting"
done_testing
