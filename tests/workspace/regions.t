#!/bin/bash
# Region behaviour of a workspace session (issue 7): system write refused,
# overlay write copied up and discarded, a file deleted by the patch is gone,
# a directory replaced by the patch shows only the patch's entries, a merged
# directory shows both; the app is unprivileged and alone in its namespaces.
. "$(dirname "$0")/lib.sh"

make_base rb
make_patch rb "$T/app.kim"
img=$T/vms/rb/root.erofs
id=$(sed -n 's/^identity=//p' "$T/vms/rb/base.info")
is "$(sha256sum "$img" | cut -d' ' -f1)" "$id" "base.info's identity is the image's sha256"

"$ROOT/scripts/kim_patch" unpack "$T/app.kim" "$T/layer" >/dev/null || bail "kim_patch unpack failed"
check "patch keeps the whiteout of the deleted file (char 0/0)" \
	test "$(stat -c '%F %t:%T' "$T/layer/srv/gone.txt")" = "character special file 0:0"
opaque=$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$T/layer/srv/opaque" 2>&1)
is "$opaque" y "patch keeps the opaque marker of the replaced directory"
left=$(python3 - "$T/layer" <<'PY'
import os, sys
bad = []
for d, dirs, files in os.walk(sys.argv[1]):
    for n in dirs + files:
        p = os.path.join(d, n)
        for a in os.listxattr(p, follow_symlinks=False):
            if a.startswith("trusted.overlay.") and a != "trusted.overlay.opaque":
                bad.append(p + " " + a)
print(" ".join(bad))
PY
)
is "$left" "" "patch carries no overlayfs bookkeeping (origin, impure, ...)"

mkdir -m 0700 "$T/persist" "$T/run"
chown 1000:1000 "$T/persist"
probe() {   # probe UID SCRIPT: run SCRIPT as the app of a session
	"$WS" run -b "$img" -r "$T/vms/rb/regions" -t "$T/run" -l "$T/layer" -p "$T/persist" \
		-u "$1" -- /bin/sh -c "$2" 2>&1
}
out=$(probe 1000 'echo hi > /usr/share/fonts/kim-probe; echo "rc=$?"')
like "$out" "Read-only file system" "system region: a write into /usr/share/fonts fails with EROFS"
out=$(probe 0 'echo hi > /tmp/.X11-unix/kim-probe; echo "rc=$?"')
like "$out" "Read-only file system" "system region: even root inside the session cannot write the X socket dir"
check "system region: nothing reached the display's directory" test ! -e /usr/share/fonts/kim-probe
check "system region: nothing reached the display's X socket dir" test ! -e /tmp/.X11-unix/kim-probe

out=$(probe 1000 'echo changed > /srv/overlay/file && cat /srv/overlay/file')
is "$out" changed "overlay region: the app writes a base file and reads its own copy"
out=$(probe 1000 'cat /srv/overlay/file')
is "$out" original "overlay region: the next session sees the base's file again (copy discarded)"
is "$(sha256sum "$img" | cut -d' ' -f1)" "$id" "overlay region: the base image is unchanged"

out=$(probe 1000 'ls /srv/gone.txt 2>&1; echo "rc=$?"')
like "$out" "rc=1" "virtual region: a file the patch deleted is gone"
out=$(probe 1000 'ls /srv/opaque | tr "\n" " "')
is "$out" "p " "opaque: a directory the patch replaced shows only the patch's entries"
out=$(probe 1000 'ls /srv/merge | tr "\n" " "')
is "$out" "from-base from-patch " "filter: a merged directory shows the base's and the patch's entries"
out=$(probe 1000 'cat /etc/kimberley/app')
is "$out" /usr/local/bin/kimnote "virtual region: the patch's files are visible"

out=$(probe 1000 'echo kept > /persist/p.txt && id -u')
is "$out" 1000 "the app runs as uid 1000"
is "$(cat "$T/persist/p.txt" 2>/dev/null)" kept "persistent region: writes land in the staged floppy files"
out=$(probe 1000 'grep CapEff /proc/self/status')
like "$out" "0000000000000000" "the app has no capabilities"
out=$(probe 1000 'echo /proc/[0-9]*')
is "$out" /proc/2 "pid namespace: the app sees only itself (not the display's processes, not the session's root PID 1)"
out=$(probe 1000 'hostname')
is "$out" kimberley "uts namespace: the session has its own hostname"
out=$(probe 1000 'ls /dev | tr "\n" " "')
is "$out" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " "dev region: a minimal /dev"

probe 1000 'true' >/dev/null
no_leftovers "no mount of the session is left on the display"
is "$(grep -c "$T" /proc/self/mounts)" 0 "no mount below the test's directory remains"

printf 'system /usr/share/fonts\nsystme /etc\n' > "$T/bad.regions"
out=$("$WS" run -b "$img" -r "$T/bad.regions" -t "$T/run" -l "$T/layer" -- /bin/true 2>&1)
rc=$?
like "$out" "bad.regions:2: unknown region 'systme'" "a bad policy line is refused with a one-line error naming it"
check "... and the session does not start" test "$rc" != 0
done_testing
