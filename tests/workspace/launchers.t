#!/bin/bash
# The whole workspace session through both launchers over the direct link:
# display_launcher -> scripts/display_setup (x11vnc) -> dekimberlize_workspace;
# mobile_launcher sends the floppy and the patch and runs vncgrab as the
# viewer, which sees kimnote's colours and types a note; at the end the note
# is in the mobile's floppy, the base and the display's files are unchanged,
# and a VM patch sent to the workspace base is refused by kind.
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
for f in "$DL" "$ML" "$VNCGRAB"; do [ -x "$f" ] || bail "$f not built (make)"; done
[ -x "$ROOT/scripts/display_setup" ] || bail "scripts/display_setup is missing"

start_xvfb
make_base wsdemo
make_patch wsdemo "$T/app.kim"
make_floppy "$T/floppy.img"
base_before=$(hash_tree "$T/vms/wsdemo")
display_before=$(hash_tree /usr/share/fonts /tmp/.X11-unix)
mkdir -p "$T/spool"

"$DL" -l 127.0.0.1:0 --port-file "$T/port" --spool "$T/spool" --vm-dir "$T/vms" \
	--x-display "$XDISPLAY" --log "$T/display.log" "Workspace test display" >"$T/display.out" 2>&1 &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do [ -s "$T/port" ] && break; sleep 0.05; done
port=$(cat "$T/port" 2>/dev/null)
check "display_launcher listens on the direct link" test -n "$port"

viewer="$VNCGRAB -H {host} -P {port} -p {password_file} -t 30 --expect 1b998b:0.12 --expect f46036:0.12"
viewer+=" --type typed\\sthrough\\sboth\\slaunchers --wait 300 --shot $T/shot.png"
timeout -k 5 120 "$ML" -c "127.0.0.1:$port" -d "$T/floppy.img" -f "$T/app.kim" --viewer "$viewer" wsdemo >"$T/mobile.out" 2>&1
rc=$?
is "$rc" 0 "mobile_launcher completes a workspace session"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/mobile.out" "$T/display.log" | tail -40
check "the viewer saw kimnote's colour signature on the VNC frame (screenshot saved)" test -s "$T/shot.png"
is "$(MTOOLS_SKIP_CHECK=1 mtype -i "$T/floppy.img" ::note.txt 2>&1)" "first line
typed through both launchers" "the note typed over VNC is in the mobile's floppy"
is "$(MTOOLS_SKIP_CHECK=1 mtype -i "$T/floppy.img" ::docs/keep.txt 2>&1)" "first line" "the floppy's other files are kept"
fsck.fat -n "$T/floppy.img" >"$T/fsck.log" 2>&1
ok $? "the mobile's floppy is a clean FAT image"
grep -qE 'BASE_OK|base unchanged' "$T/display.log"
ok $? "the display's log records the base verified unchanged"
is "$(hash_tree "$T/vms/wsdemo")" "$base_before" "the base's files hash as before"
is "$(hash_tree /usr/share/fonts /tmp/.X11-unix)" "$display_before" "the display's system-region files hash as before"
sleep 0.3
is "$(ls -A "$T/spool")" "" "the display's spool is empty afterwards"
no_leftovers "no mount of the session is left"

mkdir -p "$T/vmpayload"
echo qcow2 > "$T/vmpayload/overlay.qcow2"
"$ROOT/scripts/kim_patch" pack -o "$T/vm.kim" -H "kind: vm" -H "base: $(printf 'b%.0s' {1..64})" \
	-H "base-name: debian-vm" -H "app: someapp" -H "qemu-version: 7.2.0" -H "machine: pc-i440fx-7.2" \
	"$T/vmpayload" || bail "kim_patch pack"
before=$(sha256sum < "$T/floppy.img")
out=$(timeout -k 5 60 "$ML" -c "127.0.0.1:$port" -d "$T/floppy.img" -f "$T/vm.kim" --viewer "$viewer" wsdemo 2>&1)
rc=$?
check "a VM patch for the workspace base is refused" test "$rc" != 0
like "$out" "is for a 'vm' base, but 'wsdemo' here is a 'workspace' base" "... and the mobile user is told the kinds"
is "$(sha256sum < "$T/floppy.img")" "$before" "... and the floppy is unchanged"
done_testing
