#!/usr/bin/env bash
# The bytes on the link are not plaintext: a marker sent through the KCM
# tunnel must not appear in a capture of the mobile host's links, while the
# same capture does show a marker sent over raw TCP (so it could see one).
. "$(dirname "$0")/lib.sh"
tap_plan 6
kcm_up
command -v tcpdump > /dev/null || { echo "Bail out! tcpdump is missing"; exit 1; }

SECRET="KIMBERLEY-SECRET-$RANDOM$RANDOM"
CONTROL="KIMBERLEY-CONTROL-$RANDOM$RANDOM"
for i in $(seq 20000); do echo "$SECRET line $i"; done > "$W/secret"
for i in $(seq 100); do echo "$CONTROL line $i"; done > "$W/control"

start_echo disp S
publish disp "Room S" "$EPORT"
browse mob "Room S"

hosts_bg mob tcpdump -i any -U --immediate-mode -B 131072 -s 0 -w "$W/cap.pcap" "tcp and not net 127.0.0.0/8" 2> "$W/tcpdump.log"
TPID=$HOSTS_LAST_PID
for i in $(seq 100); do grep -q "listening on" "$W/tcpdump.log" && break; sleep 0.05; done

through "$BR_PORT" mob "$W/secret" > "$W/back"
tap_is "$(grep -c "$SECRET" "$W/back")" 20000 "the secret went through the tunnel and back"

# raw TCP on the same link: the capture sees plaintext when there is some
hosts_bg disp python3 "$ECHO" serve "$W/raw.port" "" "$DISP_WIFI_IP"
wait_for "$W/raw.port" 10
_hosts_exec mob python3 "$ECHO" send "$(cat "$W/raw.port")" "$W/control" "$DISP_WIFI_IP" > "$W/raw.back"
tap_is "$(grep -c "$CONTROL" "$W/raw.back")" 100 "a control marker went over raw TCP"
sleep 1
stop "$TPID"

size=$(stat -c %s "$W/cap.pcap")
tap_ok "$([ "$size" -gt $((2 * $(stat -c %s "$W/secret"))) ]; echo $?)" "the capture holds the tunnel's traffic both ways ($size bytes)"
tap_ok "$(grep -aq "$CONTROL" "$W/cap.pcap"; echo $?)" "the raw TCP marker is visible in the capture"
tap_ok "$(! grep -aq "$SECRET" "$W/cap.pcap"; echo $?)" "the tunnelled secret is NOT in the capture"
tap_like "^0 packets dropped by kernel" "$(grep dropped "$W/tcpdump.log")" "tcpdump dropped no packet"
exit $_tap_failed
