#!/usr/bin/env bash
# Issue 14 across the two test hosts: a display that asks for a SASL
# account (real libsasl2, a sasldb made here with saslpasswd2), found by
# name through KCM; the session runs through the TLS tunnel with
# SCRAM-SHA-256, and PLAIN -- offered only because the link is the tunnel
# (the display listens on loopback, KCM dials from 127.h.h.h) -- works too.
. "$(dirname "$0")/lib.sh"
DL=$ROOT/display_launcher/display_launcher
ML=$ROOT/mobile_launcher/mobile_launcher
FIX=$ROOT/tests/fixtures
tap_plan 11
[ -x "$DL" ] && [ -x "$ML" ] || { echo "Bail out! build the launchers first"; exit 1; }
# the RPC side (user kimberley) must reach the SASL files: a directory of
# their own, readable by its group only (set before kcm_up, whose exit
# trap chains this one)
S=$(mktemp -d /tmp/kim-kcm-sasl.XXXXXX)
trap '[ -n "$S" ] && rm -rf "${S:?}"' EXIT
kcm_up
chmod 711 "$S"
mkdir -m 750 "$S/sasl"
# on disp: the sasldb's realm is the host's name
printf 'tunnel pass 42\n' | on_disp saslpasswd2 -p -c -f "$S/sasl/sasldb" -a kimberley bob
printf 'mech_list: SCRAM-SHA-256 PLAIN\nsasldb_path: %s\npwcheck_method: auxprop\nauxprop_plugin: sasldb\n' \
	"$S/sasl/sasldb" > "$S/sasl/kimberley.conf"
chmod 640 "$S/sasl/sasldb" "$S/sasl/kimberley.conf"
chgrp -R kimberley "$S/sasl" 2>/dev/null || chmod -R o+rX "$S/sasl"
printf 'sasl-user = bob\nsasl-password = "tunnel pass 42"\n' > "$S/bob"
chmod 600 "$S/bob"

display_up --auth sasl --sasl-conf "$S/sasl"
tap_like "published as 'Room S' through KCM" "$(cat "$W/display.out")" \
	"a display asking for SASL accounts publishes itself through KCM"

mkfs.vfat -C -n KIMFLOPPY "$W/f.img" 1440 > /dev/null
echo patch > "$W/app.patch"
mobile() {  # mobile NOTE [options...]
	local note=$1
	shift
	on_mob "$ML" --pings 3 --viewer "$FIX/fake_viewer {host} {port} {password_file} $note" "$@"
}
out=$(mobile scram-kcm -n "Room S" -d "$W/f.img" -f "$W/app.patch" --auth-file "$S/bob" \
	--log "$W/mobile.log" demo 2>&1)
rc=$?
tap_is "$rc" 0 "a SCRAM-SHA-256 session through KCM completes"
[ "$rc" = 0 ] || tap_diag "$out"
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "scram-kcm" "... the floppy holds its note"
tap_like "step=auth ok mechanism=SCRAM-SHA-256[^+A-Za-z0-9-]" "$(cat "$W/mobile.log")" \
	"... the mobile chose SCRAM-SHA-256 over PLAIN"
tap_like 'step=auth conn=[0-9]+ mechanism="SCRAM-SHA-256" user="bob" ok' "$(cat "$W/display.log")" \
	"... the display's log names bob"
peer=$(grep -oE 'step=connect conn=[0-9]+ peer=[0-9.]+' "$W/display.log" | tail -1 | sed 's/.*peer=//')
tap_like '^127\.' "$peer" "the tunnelled connection arrives from loopback ($peer)"
out=$(mobile plain-kcm -n "Room S" -d "$W/f.img" -f "$W/app.patch" --auth-file "$S/bob" \
	--sasl-mech PLAIN --log "$W/mobile2.log" demo 2>&1)
rc=$?
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "plain-kcm" \
	"PLAIN works through the encrypted tunnel (exit $rc)"
[ "$rc" = 0 ] || tap_diag "$out"
cp "$S/bob" "$S/wrong"; sed -i 's/42/43/' "$S/wrong"
out=$(mobile x -n "Room S" -d "$W/f.img" -f "$W/app.patch" --auth-file "$S/wrong" demo 2>&1)
tap_like "wrong user name or password" "$out" "a wrong password through KCM is refused"
tap_ok "$(! grep -q "tunnel pass" "$W/display.log" "$W/mobile.log" "$W/mobile2.log"; echo $?)" \
	"the password appears in no log"
stop "$DPID"

# the direct link across the hosts (no tunnel, not loopback): SCRAM works,
# PLAIN is neither offered nor accepted
hosts_bg disp "$DL" -l "$DISP_WIFI_IP:0" --port-file "$W/port" --spool "$W/spool" \
	--vm-dir "$W/vms" --setup-script "$FIX/fake_display_setup" --idle-screen none \
	--log "$W/direct.log" --auth sasl --sasl-conf "$S/sasl" "Direct" > "$W/direct.out" 2>&1
DPID=$HOSTS_LAST_PID
wait_for "$W/port" 10 "$DPID"
port=$(cat "$W/port")
out=$(on_mob "$ML" -c "$DISP_WIFI_IP:$port" --pings 2 \
	--viewer "$FIX/fake_viewer {host} {port} {password_file} direct" \
	-d "$W/f.img" -f "$W/app.patch" --auth-file "$S/bob" --log "$W/mobile3.log" demo 2>&1)
tap_is "$(mtype -i "$W/f.img" ::NOTE.TXT | tr -d '\r')" "direct" \
	"a SCRAM-SHA-256 session on the direct link between the hosts completes"
out=$(on_mob "$ML" -c "$DISP_WIFI_IP:$port" -d "$W/f.img" -f "$W/app.patch" \
	--auth-file "$S/bob" --sasl-mech PLAIN demo 2>&1)
tap_like "does not offer the mechanism PLAIN \(it offers: SCRAM-SHA-256\)" "$out" \
	"... where PLAIN is not offered (the mobile says so)"
stop "$DPID"
exit $_tap_failed
