#!/usr/bin/env bash
# Clear messages when a part is missing: no session bus, no avahi-daemon,
# KCM not startable, a second KCM on the same bus.  Runs on a private
# session bus of its own (no test hosts needed).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"
KCM=$ROOT/kcm/kcm
KCMCTL=$ROOT/kcm/kcmctl
tap_plan 6
T=$(mktemp -d /tmp/kcm-missing.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
tap_like() { if [[ $2 =~ $1 ]]; then tap_ok 0 "$3"; else tap_ok 1 "$3"; tap_diag "'$2'"; fi; }

out=$(env -u DBUS_SESSION_BUS_ADDRESS DISPLAY= "$KCMCTL" sense 2>&1)
tap_like "kcmctl: sense: cannot reach KCM: no D-Bus session bus" "$out" "no session bus: $out"

mkdir "$T/services"
printf '[D-BUS Service]\nName=org.kimberley.KCM\nExec=%s\n' "$T/no-such-kcm" > "$T/services/org.kimberley.KCM.service"
cat > "$T/session.conf" <<CONF
<busconfig>
  <type>session</type>
  <listen>unix:path=$T/bus</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$T/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$T/session.conf" --nofork --nopidfile --print-address=1 > "$T/addr" 2> /dev/null &
PIDS+=($!)
for i in $(seq 100); do [ -s "$T/addr" ] && break; sleep 0.05; done
export DBUS_SESSION_BUS_ADDRESS=unix:path=$T/bus
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/no-system-bus
export KCM_STATE_DIR=$T/state KCM_KNOWN_DISPLAYS=$T/known

out=$("$KCMCTL" sense 2>&1)
tap_like "KCM could not be started on the session bus" "$out" "KCM not startable: $out"

"$KCM" 2> "$T/kcm.log" &
PIDS+=($!)
for i in $(seq 100); do grep -q "ready on the session bus" "$T/kcm.log" && break; sleep 0.05; done
out=$("$KCMCTL" publish "Room X" 5 2>&1)
tap_like "cannot publish 'Room X': avahi-daemon is not running or not reachable" "$out" \
	"no avahi-daemon, publish: $out"
out=$("$KCMCTL" browse 2>&1)
tap_like "cannot look for a Kimberley display: avahi-daemon is not running" "$out" \
	"no avahi-daemon, browse: $out"
out=$("$KCMCTL" sense 2>&1); rc=$?
tap_ok "$([ "$rc" = 0 ] && [ -n "$out" ] && [[ $out != *kcmctl:* ]]; echo $?)" "sense still answers without Avahi"
out=$("$KCM" 2>&1)
tap_like "cannot own the bus name org.kimberley.KCM: another KCM already runs" "$out" \
	"a second KCM on the same bus says so and exits"
exit $_tap_failed
