#!/usr/bin/env bash
# One session at a time: a second mobile is told "busy" at once and the
# first is unharmed; a dropped connection returns the display to its base
# state; a setup script that hangs is stopped with a clear error.
. "$(dirname "$0")/lib.sh"
tap_plan 13
e2e_setup
start_display --resume-timeout 3; tap_ok $? "display up"
make_floppy "$W/a.img"
make_floppy "$W/b.img"
head -c 200000 /dev/urandom > "$W/app.patch"

# first mobile: its viewer holds the session until $W/release exists
mobile_held first-user "$W/release" "$W/first.out" -d "$W/a.img" -f "$W/app.patch" demo
first=$MPID

t0=$(date +%s.%N)
out=$(mobile second-user -d "$W/b.img" -f "$W/app.patch" demo 2>&1); rc=$?
t1=$(date +%s.%N)
tap_like "display is busy with another user" "$out" "a second mobile is told the display is busy"
tap_ok "$([ $rc -ne 0 ]; echo $?)" "... and exits non-zero"
tap_ok "$(awk -v a="$t0" -v b="$t1" 'BEGIN{exit !(b-a < 3)}'; echo $?)" "... at once (under 3 s)"
tap_ok "$(mdir -i "$W/b.img" ::NOTE.TXT > /dev/null 2>&1; [ $? -ne 0 ]; echo $?)" \
	"the second mobile's floppy is untouched"

touch "$W/release"
wait $first; rc=$?
tap_is "$rc" 0 "the first session still completes"
tap_is "$(mtype -i "$W/a.img" ::NOTE.TXT | tr -d '\r')" "first-user" "the first user's note is on their floppy"

# a mobile that vanishes in the middle of a session
before=$(sha256sum < "$W/b.img")
mobile_held lost "$W/never" "$W/lost.out" -d "$W/b.img" -f "$W/app.patch" demo
lost=$MPID
kill -KILL $lost; wait $lost 2>/dev/null
for i in $(seq 50); do spool_empty && break; sleep 0.1; done
spool_empty; tap_ok $? "a dropped connection empties the spool"
tap_like "session=[0-9]+ closed: the connection dropped" "$(cat "$W/display.log")" \
	"the display logs why the session ended"
tap_is "$(sha256sum < "$W/b.img")" "$before" "the vanished mobile's floppy is unchanged"

# a setup script that never says RESUMED
echo FIXTURE-HANG > "$W/hang.patch"
out=$(mobile x -f "$W/hang.patch" demo 2>&1)
tap_like "took too long to start your application.*after 3 s" "$out" "a hung setup script times out with a clear message"
sleep 0.2
spool_empty; tap_ok $? "... and the spool is empty again"
out=$(mobile again -d "$W/b.img" -f "$W/app.patch" demo 2>&1)
tap_is "$(mtype -i "$W/b.img" ::NOTE.TXT | tr -d '\r')" "again" "the display serves the next person"
exit $_tap_failed
