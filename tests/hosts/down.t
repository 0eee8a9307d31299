#!/usr/bin/env bash
# Teardown leaves nothing: no namespace, no daemon, no file -- after
# hosts_down, after a test that fails (EXIT trap, chained with the test's
# own), and after a test that is killed with SIGTERM.  The child harnesses
# run while this one is up: concurrent runs do not collide.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/hosts/hosts.sh

# gone NS_DISP NS_MOB DIR PID...: nothing of that run remains.
gone() {
    local ns=("$1" "$2") dir=$3 p
    shift 3
    for n in "${ns[@]}"; do
        [ -n "$n" ] || return 1
        if ip netns list | grep -qw -- "$n"; then echo "# namespace $n left"; return 1; fi
    done
    if [ -e "$dir" ]; then echo "# $dir left"; return 1; fi
    for p in "$@"; do
        if [ -e "/proc/$p" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$p/stat" 2>/dev/null; then
            echo "# process $p left: $(tr '\0' ' ' <"/proc/$p/cmdline")"
            return 1
        fi
    done
    return 0
}

# A child test that records what it made in $1, then does $2:
#   bash -c "$child_script" child FILE fail|term
child_script='
        . tests/hosts/hosts.sh
        trap "echo chained >>\"$1.trap\"" EXIT
        hosts_up --delay-ms 20 || exit 99
        hosts_bg mob sleep 300
        { echo "$NS_DISP $NS_MOB $HOSTS_DIR"
          echo "${_HOSTS_PIDS[*]} ${_HOSTS_BUS_PIDS[*]} ${_HOSTS_BG_PIDS[*]}"; } >"$1.tmp"
        mv "$1.tmp" "$1"
        case $2 in
            fail) false; exit 1 ;;
            term) sleep 300 & wait $! ;;
        esac'

tap_plan 7
hosts_up --delay-ms 10
tap_ok $? "hosts_up"
hosts_bg disp sleep 300
read -r -a pids <<<"${_HOSTS_PIDS[*]} ${_HOSTS_BUS_PIDS[*]} ${_HOSTS_BG_PIDS[*]}"
tap_diag "$NS_DISP $NS_MOB: ${#pids[@]} processes"
run=("$NS_DISP" "$NS_MOB" "$HOSTS_DIR")

work=$(mktemp -d) || exit 1
bash -c "$child_script" child "$work/fail" fail >/dev/null 2>&1
rc=$?
read -r -a made <"$work/fail"
read -r -a cpids < <(sed -n 2p "$work/fail")
[ "$rc" = 1 ] && [ "${made[0]}" != "$NS_DISP" ] && gone "${made[@]}" "${cpids[@]}"
tap_ok $? "a failing test (status $rc) leaves nothing of its hosts (${#cpids[@]} processes)"
grep -qx chained "$work/fail.trap" 2>/dev/null
tap_ok $? "... and its own EXIT trap still ran"

bash -c "$child_script" child "$work/term" term >/dev/null 2>&1 &
cpid=$!
for i in $(seq 100); do [ -e "$work/term" ] && break; sleep 0.1; done
kill -TERM "$cpid"
wait "$cpid"
rc=$?
read -r -a made <"$work/term"
read -r -a cpids < <(sed -n 2p "$work/term")
gone "${made[@]}" "${cpids[@]}"
tap_ok $? "a test killed with SIGTERM (status $rc) leaves nothing of its hosts"

on_mob ping -q -c 1 -W 2 "$DISP_USB_IP" >/dev/null
tap_ok $? "this run's hosts were untouched by the others"

hosts_down
gone "${run[@]}" "${pids[@]}"
tap_ok $? "hosts_down leaves no namespace, process or file"
[ -z "$HOSTS_DIR" ] && hosts_down
tap_ok $? "hosts_down twice is harmless"
rm -rf "$work"
exit "$_tap_failed"
