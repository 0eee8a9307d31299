#!/usr/bin/env bash
# The privilege boundary (issue 12, docs/design.md section 7): the process
# that holds the RPC socket is not root and has no capability at all; the
# spool is made by the launcher and a symlinked or foreign-owned one is
# refused; a child that dies takes its session with it.
. "$(dirname "$0")/lib.sh"
tap_plan 20
e2e_setup
field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$2/status"; }

rm -rf "$W/spool"	# the launcher makes it
start_display --end-timeout 3; tap_ok $? "display up"
rp=$(rpc_pid)
tap_ok "$([ -n "$rp" ] && [ "$rp" != "$DPID" ]; echo $?)" \
	"the RPC socket is held by a process of its own (pid ${rp:-none}), not the one started"
uids=$(field Uid "$rp") gids=$(field Gid "$rp")
tap_like '^[1-9][0-9]*[[:space:]]+[1-9][0-9]*[[:space:]]+[1-9][0-9]*[[:space:]]+[1-9][0-9]*$' "$uids" \
	"its real, effective, saved and file-system uids are not 0"
tap_like '^[1-9][0-9]*[[:space:]]+[1-9][0-9]*[[:space:]]+[1-9][0-9]*[[:space:]]+[1-9][0-9]*$' "$gids" \
	"... nor its gids"
tap_is "$(field Groups "$rp")" "" "... and it has no supplementary groups"
tap_is "$(id -un "$(set -- $uids; echo "$1")")" kimberley "... it runs as the default --user, kimberley"
for c in CapEff CapPrm CapInh CapAmb CapBnd; do
	v=$(field $c "$rp")
	tap_is "$v" 0000000000000000 "$c of the RPC side is 0"
done
tap_is "$(field NoNewPrivs "$rp")" 1 "... and it can gain no privileges (no_new_privs)"
tap_is "$(field Uid "$DPID" | awk '{ print $2 }')" 0 "the parent that starts setup scripts stays root"
tap_is "$(stat -c '%U %a' "$W/spool")" "kimberley 700" "the spool was made by the launcher, the RPC side's, mode 700"

# a session still runs end to end through the split
make_floppy "$W/f.img"
head -c 300000 /dev/urandom > "$W/app.patch"
mobile via-split -d "$W/f.img" -f "$W/app.patch" demo > "$W/m.out" 2>&1
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT 2>/dev/null | tr -d '\r')" via-split \
	"a session through the split completes with the note on the floppy"

# the RPC side dies: the parent ends the session's script, empties the
# spool and exits; nothing is left
echo FIXTURE-HANG > "$W/hang.patch"
"$ML" -c "127.0.0.1:$PORT" --pings 1 -f "$W/hang.patch" demo > "$W/m2.out" 2>&1 &
e2e_bg $!
for i in $(seq 100); do grep -q "hanging as asked" "$W/display.log" && break; sleep 0.1; done
kill -KILL "$(rpc_pid)"
for i in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
wait "$DPID"; rc=$?; DPID=
tap_ok "$([ "$rc" -ne 0 ] && ! pgrep -f "fake_display_setup.*hang.patch" > /dev/null; echo $?)" \
	"a killed RPC side: the parent ends the session's script and exits non-zero ($rc)"
spool_empty; tap_ok $? "... and empties the spool"

# refusals: a symlink, someone else's directory, a directory others may swap
mkdir -p "$W/target"; echo keep > "$W/target/precious"
ln -s "$W/target" "$W/link"
out=$(timeout 10 "$DL" -l 127.0.0.1:0 --spool "$W/link" --vm-dir "$W/vms" \
	--setup-script "$FIX/fake_display_setup" --idle-screen none --log "$W/r.log" 2>&1); rc=$?
tap_ok "$([ "$rc" -ne 0 ] && grep -q "symbolic link" <<< "$out" && [ -f "$W/target/precious" ] &&
	[ "$(stat -c %U "$W/target")" = root ]; echo $?)" \
	"a spool that is a symbolic link is refused, its target untouched ($rc: $out)"
mkdir -p "$W/foreign"; echo keep > "$W/foreign/precious"; chown -R nobody "$W/foreign"
out=$(timeout 10 "$DL" -l 127.0.0.1:0 --spool "$W/foreign" --vm-dir "$W/vms" \
	--setup-script "$FIX/fake_display_setup" --idle-screen none --log "$W/r.log" 2>&1); rc=$?
tap_ok "$([ "$rc" -ne 0 ] && grep -q "belongs to nobody" <<< "$out" && [ -f "$W/foreign/precious" ]; echo $?)" \
	"a spool owned by another user is refused, its files untouched ($rc: $out)"
mkdir -m 777 "$W/open"
out=$(timeout 10 "$DL" -l 127.0.0.1:0 --spool "$W/open/spool" --vm-dir "$W/vms" \
	--setup-script "$FIX/fake_display_setup" --idle-screen none --log "$W/r.log" 2>&1); rc=$?
tap_ok "$([ "$rc" -ne 0 ] && grep -q "others may write there" <<< "$out" && [ ! -e "$W/open/spool" ]; echo $?)" \
	"a spool in a directory anyone may write is refused ($rc: $out)"
exit $_tap_failed
