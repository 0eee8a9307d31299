#!/usr/bin/env bash
# The Debian desktop base that make_base_vm -t desktop builds: it resumes to
# X at the chosen size with the agent answering, the timers and services that
# would change it on their own are masked, its files are read-only and its
# identity is what base.info says, before and after it ran.
. "$(dirname "$0")/lib.sh"
tap_plan 14
vm_setup
desk_cache; tap_ok $? "desktop base and AbiWord patch built (or taken from the cache)"
sed 's/^/# /' "$CACHE/times" 2>/dev/null
base=$CACHE/vms/d1
prog=10-base.t
. "$S/vm_lib.sh"
tap_is "$(vm_info "$base" type) $(vm_info "$base" screen)" "desktop $DESK_SCREEN" "base.info: type=desktop, screen=$DESK_SCREEN"
tap_is "$(vm_info "$base" identity)" "$(vm_identity "$base")" "base.info's identity is the hash of the base's files"
tap_is "$(find "$base" -type f -perm /222 | wc -l)" 0 "the base's files are read-only"
tap_like "^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-amd64$" "$(vm_info "$base" kernel-version)" "the guest's own Debian kernel"
tap_diag "base: $(du -sk "$base" | cut -f1) KiB allocated, disk.img $(stat -c %s "$base/disk.img") bytes apparent, base.mem $(stat -c %s "$base/base.mem") bytes"

# the masked units are symlinks to /dev/null on the base's disk
bad=''
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
	dpkg-db-backup.timer systemd-timesyncd.service getty@tty1.service; do
	debugfs -R "stat /etc/systemd/system/$u" "$base/disk.img" 2>/dev/null | grep -q 'Fast link dest: "/dev/null"' ||
		bad="$bad $u"
done
tap_is "$bad" "" "apt-daily, e2scrub, fstrim, dpkg-db-backup, timesyncd, getty@tty1 are masked"
debugfs -R "stat /etc/dpkg/dpkg.cfg.d/99mmdebstrap" "$base/disk.img" 2>/dev/null | grep -q 'Type: regular'
tap_ok $? "dpkg excludes docs and locales in the guest (dpkg.cfg.d file)"
tap_is "$(grep -c '^Package: libgtk-3-0$' "$base/dpkg.status")" 1 "the GTK3 runtime is in the base (dpkg.status)"

# resume the saved state on a throwaway overlay: agent, X at the size
mkdir "$W/run"
qemu-img create -q -f qcow2 -b "$base/disk.img" -F raw "$W/overlay.qcow2"
vm_agent_open "$W/run"
vm_qemu_args "$base" "$ACCEL" "$W/overlay.qcow2" qcow2 '' none "$W/run" "$base/disk.img"
t0=$(vm_now)
"$VM_QEMU" "${QEMU_ARGS[@]}" -S -incoming defer 2> "$W/run/qemu.log" &
QEMU_PID=$!
vm_bg $QEMU_PID
"$KIM_QMP" "$W/run/qmp.sock" incoming "exec:cat $(vm_quote "$base/base.mem")" cont
tap_ok $? "the base's state loads and runs ($(vm_ms "$t0") ms)"
vm_agent_send ping 7
vm_agent_expect pong 60 && [ "$AGENT_LINE" = "pong 7" ]
tap_ok $? "the guest agent answers after resume ($(vm_ms "$t0") ms)"
vm_agent_send screen
vm_agent_expect screen 30
tap_is "$AGENT_LINE" "screen $DESK_SCREEN" "the guest's X screen is $DESK_SCREEN"
vm_agent_send wait-window nosuchapp 5
vm_agent_expect window 20
tap_like "^window-none" "$AGENT_LINE" "wait-window answers window-none for a class that has no window"
"$KIM_QMP" "$W/run/qmp.sock" quit
vm_wait_pid "$QEMU_PID" 20
tap_ok $? "QEMU quits"
vm_agent_close
tap_is "$(vm_identity "$base")" "$(vm_info "$base" identity)" "the base's identity is unchanged after it ran"
exit $_tap_failed
