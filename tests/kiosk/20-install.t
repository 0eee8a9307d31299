#!/bin/bash
# make install: from a copy of this tree, built and installed the way an
# operator does it (PREFIX=/usr into a DESTDIR), every file the system needs
# is in place, the installed files name each other's installed paths, and the
# installed scripts run from where they were put.  Then an install into a real
# PREFIX (no DESTDIR): the installed display_launcher finds its installed
# setup script and idle screen, shows the idle screen and answers.
. "$(dirname "$0")/lib.sh"
command -v git >/dev/null || bail "git is needed to copy the tree"

# A copy of the tree as it is on disk (tracked and new files, not ignored).
mkdir "$T/src"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 -r sh -c \
	'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh | tar -c --null -T - -f -) |
	tar -x -C "$T/src" || bail "cannot copy the tree"
make -C "$T/src" -j2 PREFIX=/usr programs >"$T/build.log" 2>&1
ok $? "the copy builds with PREFIX=/usr"
D=$T/root
make -C "$T/src" PREFIX=/usr DESTDIR="$D" install >"$T/install.log" 2>&1
rc=$?
ok $rc "make install PREFIX=/usr DESTDIR=... succeeds"
[ "$rc" = 0 ] || tail -20 "$T/install.log" | sed 's/^/# /'

L=usr/libexec/kimberley
want=(
	"755 usr/bin/mobile_launcher" "755 usr/bin/kcm" "755 usr/bin/kcmctl"
	"755 usr/sbin/display_launcher" "755 usr/sbin/make_base_workspace"
	"755 $L/display_setup" "755 $L/dekimberlize" "755 $L/dekimberlize_workspace"
	"755 $L/kimberlize" "755 $L/kimberlize_workspace" "755 $L/kim_patch" "755 $L/kim_qmp"
	"755 $L/vm_lib.sh" "755 $L/make_base_vm" "755 $L/make_floppy"
	"755 $L/kim_workspace" "755 $L/kimnote" "755 $L/idle_screen"
	"755 $L/guest/init" "644 $L/guest/inittab" "755 $L/guest/kim-agent" "755 $L/guest/rcS" "755 $L/guest/tty1"
	"644 usr/share/dbus-1/services/org.kimberley.KCM.service"
	"644 usr/share/dbus-1/interfaces/org.kimberley.KCM.xml"
	"644 usr/lib/systemd/system/kimberley-display.service"
	"644 usr/share/doc/kimberley/display.conf.example"
	"644 usr/share/man/man1/mobile_launcher.1" "644 usr/share/man/man1/kimberlize.1"
	"644 usr/share/man/man8/display_launcher.8" "644 usr/share/man/man8/dekimberlize.8"
)
missing=()
for w in "${want[@]}"; do
	mode=${w%% *} f=${w#* }
	[ -f "$D/$f" ] && [ "$(stat -c %a "$D/$f")" = "$mode" ] || missing+=("$f ($mode)")
done
is "${missing[*]}" "" "every program, script, guest file, D-Bus, systemd, doc and man file is installed with its mode"

kcm_exec=$(sed -n 's/^Exec=//p' "$D/usr/share/dbus-1/services/org.kimberley.KCM.service")
is "$kcm_exec" /usr/bin/kcm "KCM's D-Bus activation file starts the installed kcm"
is "$(sed -n 's/^ExecStart=//p' "$D/usr/lib/systemd/system/kimberley-display.service")" \
	"/usr/bin/dbus-run-session -- /usr/sbin/display_launcher" "the unit starts the installed display_launcher under a session bus"
check "display_launcher looks for the installed setup script" \
	grep -aq /usr/libexec/kimberley/display_setup "$D/usr/sbin/display_launcher"
check "display_launcher looks for the installed idle screen" \
	grep -aq /usr/libexec/kimberley/idle_screen "$D/usr/sbin/display_launcher"
check "display_launcher(8) names the installed paths" \
	grep -q '/usr/libexec/kimberley/display_setup' "$D/usr/share/man/man8/display_launcher.8"
is "$(grep -l '@[A-Z]*@' "$D"/usr/share/man/man*/* "$D"/usr/lib/systemd/system/* 2>/dev/null)" "" "no unfilled @PLACEHOLDER@ in an installed file"

# The installed scripts run from where they were put (helpers found beside them).
"$D/$L/make_floppy" -o "$T/f.img" 2>"$T/mf.err"
ok $? "the installed make_floppy makes a floppy"
fsck.fat -n "$T/f.img" >/dev/null 2>&1
ok $? "... a clean FAT image"
out=$("$D/$L/kimberlize" -v "$T/novms" -n -i "$T" nosuch app 2>&1)
like "$out" "no base VM 'nosuch'" "the installed kimberlize runs (finds vm_lib.sh) and says what is missing"
out=$("$D/$L/display_setup" -s "$T" -v "$T/novms" nosuch p.kim 2>/dev/null)
is "$out" "ERROR NO_SUCH_VM no VM named 'nosuch' on this display" "the installed display_setup speaks the contract"
"$D/$L/idle_screen" -h >/dev/null
ok $? "the installed idle_screen runs"

# Objects built for one PREFIX are rebuilt for another (paths.stamp).
make -C "$T/src" PREFIX="$T/other" programs >"$T/build3.log" 2>&1
grep -aq "$T/other/libexec/kimberley/display_setup" "$T/src/display_launcher/display_launcher"
ok $? "rebuilding with another PREFIX updates display_launcher's compiled-in paths"

# A real PREFIX, from a fresh copy: the installed launcher finds its
# installed helpers.
P=$T/prefix
mkdir "$T/src2"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 -r sh -c \
	'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh | tar -c --null -T - -f -) | tar -x -C "$T/src2"
make -C "$T/src2" -j2 PREFIX="$P" programs >"$T/build2.log" 2>&1 &&
	make -C "$T/src2" PREFIX="$P" install >"$T/install2.log" 2>&1
ok $? "make install PREFIX=<a directory> succeeds"
start_xvfb
mkdir -p "$T/spool" "$T/vms"
"$P/sbin/display_launcher" -l 127.0.0.1:0 --port-file "$T/port" --spool "$T/spool" --vm-dir "$T/vms" \
	--x-display "$XDISPLAY" --log "$T/dl.log" "Installed display" >"$T/dl.out" 2>&1 &
PIDS+=($!)
dl=$!
for ((i = 0; i < 100; i++)); do [ -s "$T/port" ] && break; sleep 0.05; done
check "the installed display_launcher starts" test -s "$T/port"
check "it shows the installed idle screen with its name" wait_text $IDLE_NAME "Installed display"
like "$(cat "$T/dl.log")" "setup=$P/libexec/kimberley/display_setup" "it uses the installed setup script"
if [ -x "$ROOT/tests/e2e/rpcpoke" ]; then
	"$ROOT/tests/e2e/rpcpoke" "127.0.0.1:$(cat "$T/port")" hello >/dev/null 2>&1
	ok $? "it answers a client"
fi
kill -TERM "$dl"
check "SIGTERM stops it" wait_gone "$dl" 50
is "$gone_rc" 0 "... with status 0"
is "$("$SC" -display "$XDISPLAY" count $IDLE_NAME)" 0 "... and its idle screen is gone"
done_testing
