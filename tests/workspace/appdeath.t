#!/bin/bash
# The workspace session notices deaths (issue 10 item 24), through both
# launchers.  (1) The app dies mid-session (SIGKILL, after a note was typed
# and saved): the display ends the session by itself (the viewer's
# connection closes within seconds instead of a blank screen until the
# person gives up), and the note is in the mobile's floppy.  (2) kim_workspace,
# the app's supervisor, is SIGKILLed: the app goes with it (parent-death
# signal) and the session ends as in (1).  (3) display_launcher is SIGKILLed
# mid-session and not restarted: every process of the session (display_setup,
# the backend, kim_workspace, the app, x11vnc) is gone within a few seconds,
# and no mount is left.
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
for f in "$DL" "$ML" "$VNCGRAB"; do [ -x "$f" ] || bail "$f not built (make)"; done
ENDED_WITHIN=15 PDEATH_WITHIN=1
# the app has 3 s to end on SIGTERM (kim_workspace WS_GRACE_MS): "a few seconds"
GONE_WITHIN=8

start_xvfb
make_base ad
make_patch ad "$T/app.kim"
make_floppy "$T/floppy.img"
mkdir -p "$T/spool"
"$DL" -l 127.0.0.1:0 --port-file "$T/port" --spool "$T/spool" --vm-dir "$T/vms" \
	--work-dir "$T/work" --x-display "$XDISPLAY" --log "$T/display.log" "Workspace test display" >"$T/display.out" 2>&1 &
DPID=$!
PIDS+=($DPID)
for ((i = 0; i < 100; i++)); do [ -s "$T/port" ] && break; sleep 0.05; done
port=$(cat "$T/port" 2>/dev/null)
check "display_launcher listens on the direct link" test -n "$port"

# the viewer: vncgrab types TEXT and then holds the connection (up to 120 s);
# its exit status lands in $T/TAG.vdone
cat > "$T/viewer.sh" <<SH
#!/bin/bash
"$VNCGRAB" -H "\$1" -P "\$2" -p "\$3" -t 30 --expect 1b998b:0.12 --expect f46036:0.12 \
	--type "\$5" --wait 120000 >"$T/\$4.vncgrab.log" 2>&1 &
echo \$! > "$T/\$4.vpid"
wait \$!
echo \$? > "$T/\$4.vdone"
SH
chmod +x "$T/viewer.sh"

descendants() {   # descendants PID: every process below PID
	local c
	for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done
}
alive() { local p n=0; for p in "$@"; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done; echo $n; }
# wait_note TEXT: until the session's persistent area holds TEXT (kimnote
# saves every key), 30 s at most
wait_note() {
	for ((i = 0; i < 300; i++)); do
		# the session's directory: root's, under --work-dir (docs/design.md 7.1)
		grep -qs -- "$1" "$T"/work/*/session-*/s/persist/note.txt && return 0
		sleep 0.1
	done
	return 1
}

# (1) the app dies
timeout -k 5 150 "$ML" -c "127.0.0.1:$port" -d "$T/floppy.img" -f "$T/app.kim" \
	--viewer "$T/viewer.sh {host} {port} {password_file} s1 saved\\sbefore\\sthe\\scrash" ad \
	>"$T/mobile1.out" 2>&1 &
MP=$!
PIDS+=($MP)
wait_note "saved before the crash"
check "s1: the note typed over VNC is saved in the session's persistent area" test $? = 0
app=$(for p in $(descendants "$DPID"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = kimnote ] && echo "$p"; done)
check "s1: the app (kimnote) runs below display_launcher" test -n "$app"
t0=${EPOCHREALTIME/[.,]/}
kill -KILL $app
while [ ! -e "$T/s1.vdone" ] && [ $(( ${EPOCHREALTIME/[.,]/} - t0 )) -lt $((ENDED_WITHIN * 1000000)) ]; do
	sleep 0.05
done
ms=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
check "s1: the display ends the session by itself: the viewer's connection closes ($ms ms after the app died)" \
	test -e "$T/s1.vdone"
[ -e "$T/s1.vdone" ] || kill "$(cat "$T/s1.vpid")"
wait "$MP"
is "$?" 0 "s1: mobile_launcher completes the session"
is "$(MTOOLS_SKIP_CHECK=1 mtype -i "$T/floppy.img" ::note.txt 2>&1)" "first line
saved before the crash" "s1: the mobile's floppy holds what the app saved before it died"
like "$(cat "$T/display.log")" "the app ended by itself" "s1: the display's log says the app ended by itself"
sleep 0.3
is "$(ls -A "$T/spool")" "" "s1: the spool is empty"
no_leftovers "s1: no mount of the session is left"

# (2) kim_workspace (the session's supervisor) is SIGKILLed: the app must
# not stay on the screen without it, and the session ends as in (1)
timeout -k 5 150 "$ML" -c "127.0.0.1:$port" -d "$T/floppy.img" -f "$T/app.kim" \
	--viewer "$T/viewer.sh {host} {port} {password_file} s2 \\nafter\\sthe\\ssupervisor" ad \
	>"$T/mobile2.out" 2>&1 &
MP=$!
PIDS+=($MP)
wait_note "after the supervisor"
check "s2: the note is saved" test $? = 0
# the supervisor: the kim_workspace whose parent is not one (its clone, the
# session's PID 1, has the same name)
ws=$(for p in $(descendants "$DPID"); do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = kim_workspace ] &&
		[ "$(cat /proc/$(ps -o ppid= -p "$p" | tr -d ' ')/comm 2>/dev/null)" != kim_workspace ] && echo "$p"
done)
app=$(for p in $(descendants "$DPID"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = kimnote ] && echo "$p"; done)
check "s2: kim_workspace ($ws) and the app ($app) run" test -n "$ws" -a -n "$app"
kill -KILL $ws
t0=${EPOCHREALTIME/[.,]/}
while [ "$(alive $app)" != 0 ] && [ $(( ${EPOCHREALTIME/[.,]/} - t0 )) -lt $((PDEATH_WITHIN * 1000000)) ]; do
	sleep 0.02
done
ms=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
is "$(alive $app)" 0 "s2: the app goes with its supervisor, within ${PDEATH_WITHIN} s (${ms} ms)"
kill -KILL $app 2>/dev/null
while [ ! -e "$T/s2.vdone" ] && [ $(( ${EPOCHREALTIME/[.,]/} - t0 )) -lt $((ENDED_WITHIN * 1000000)) ]; do
	sleep 0.05
done
check "s2: the display ends the session by itself" test -e "$T/s2.vdone"
[ -e "$T/s2.vdone" ] || kill "$(cat "$T/s2.vpid")"
wait "$MP"
is "$?" 0 "s2: mobile_launcher completes the session"
is "$(MTOOLS_SKIP_CHECK=1 mtype -i "$T/floppy.img" ::note.txt 2>&1)" "first line
saved before the crash
after the supervisor" "s2: the mobile's floppy holds what the app saved"
sleep 0.3
no_leftovers "s2: no mount of the session is left"

# (3) display_launcher dies
fl_before=$(sha256sum < "$T/floppy.img")
timeout -k 5 150 "$ML" -c "127.0.0.1:$port" -d "$T/floppy.img" -f "$T/app.kim" \
	--viewer "$T/viewer.sh {host} {port} {password_file} s3 not\\skept" ad >"$T/mobile3.out" 2>&1 &
MP=$!
PIDS+=($MP)
wait_note "not kept"
check "s3: the session runs" test $? = 0
procs=$(descendants "$DPID")
names=$(for p in $procs; do cat /proc/$p/comm 2>/dev/null; done | sort -u | tr '\n' ' ')
like "$names" "kimnote" "s3: the session's processes: $names"
kill -KILL "$DPID"; { wait "$DPID"; } 2>/dev/null
t0=${EPOCHREALTIME/[.,]/}
while [ "$(alive $procs)" != 0 ] && [ $(( ${EPOCHREALTIME/[.,]/} - t0 )) -lt $((GONE_WITHIN * 1000000)) ]; do
	sleep 0.05
done
ms=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
left=$(for p in $procs; do kill -0 "$p" 2>/dev/null && echo "$p:$(cat /proc/$p/comm 2>/dev/null)"; done | tr '\n' ' ')
is "$left" "" "s3: nothing of the session outlives display_launcher by ${GONE_WITHIN} s (${ms} ms)"
for p in $procs; do kill -KILL "$p" 2>/dev/null; done
[ -e "$T/s3.vdone" ] || kill "$(cat "$T/s3.vpid")" 2>/dev/null
wait "$MP"
check "s3: mobile_launcher ends (the display is gone)" test $? != 0
is "$(sha256sum < "$T/floppy.img")" "$fl_before" "s3: the mobile's floppy is unchanged"
sleep 0.5
no_leftovers "s3: no mount of the session is left"
done_testing
