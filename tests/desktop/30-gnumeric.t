#!/usr/bin/env bash
# A second app of the 2008 paper's list: Gnumeric builds into a patch
# (kimberlize -p gnumeric on the desktop base) and a session through both
# launchers resumes with its window on the display's screen (pixels: the
# sheet's white cells fill much of the frame; the base's own screen is dark).
. "$(dirname "$0")/lib.sh"
tap_plan 5
vm_setup
desk_cache gnumeric; tap_ok $? "desktop base and Gnumeric patch built (or taken from the cache)"
sed 's/^/# /' "$CACHE/times" "$PATCHES/gnumeric.log" 2>/dev/null | grep -E '^# (make_base_vm|kimberlize)'
base=$CACHE/vms/d1
before=$(base_hash "$base")
start_xvfb_size "$DESK_SCREEN"
start_display
tap_ok "$([ -n "$PORT" ]; echo $?)" "display_launcher listens on 127.0.0.1:$PORT"
mkdir "$W/mobile"
cp "$PATCHES/gnumeric.kim" "$W/mobile/gnumeric.kim"
viewer="$VNCGRAB -H {host} -P {port} -p {password_file} -t 120 -o $W/viewer.status"
viewer="$viewer --expect ffffff:0.20:8 --expect-in 0,0,1.0,0.02:f6f5f4:0.8:8 --shot $W/gnumeric.png"
t0=${EPOCHREALTIME/[.,]/}
out=$("$ML" -c "127.0.0.1:$PORT" --pings 3 -f "$W/mobile/gnumeric.kim" --viewer "$viewer" d1 2>&1)
rc=$?
t1=${EPOCHREALTIME/[.,]/}
tap_is "$rc" 0 "mobile_launcher completes the session ($(( (t1 - t0) / 1000 )) ms)"
[ "$rc" = 0 ] || tap_diag "$out" "$(tail -n 40 "$W/display.log")"
tap_is "$(cat "$W/viewer.status" 2>/dev/null)" OK "the viewer saw Gnumeric's sheet (white, >= 20 % of the frame) and its menu bar across the whole screen's top"
[ -n "${KEEP_SHOTS:-}" ] && cp "$W"/*.png "$KEEP_SHOTS"/ 2>/dev/null
tap_is "$(base_hash "$base")" "$before" "the base VM's files hash as before"
for s in check unpack loaded running; do
	grep -o "step=setup $s [0-9]* ms.*" "$W/display.log" | head -n 1 | sed 's/^/# /'
done
exit $_tap_failed
