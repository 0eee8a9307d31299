#!/usr/bin/env bash
# Calls whose arguments cannot be decoded are refused (GARBAGE_ARGS) and
# cost the display nothing: whatever the decoder had allocated is freed
# (issue 10 item 2: ~8 KiB leaked per call, one client could run the
# display out of memory).
. "$(dirname "$0")/lib.sh"
tap_plan 5
e2e_setup
start_display; tap_ok $? "display up"
P="127.0.0.1:$PORT"
# the memory of the RPC side, which decodes the calls (docs/design.md
# section 7: DPID is the privileged parent, which never sees them)
RPID=$(rpc_pid); tap_ok $? "the RPC side found (pid ${RPID:-none}, parent $DPID)"
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/${RPID:-$DPID}/status"; }

"$POKE" "$P" raw-bad-args 500 > /dev/null	# warm up the allocator
before=$(rss)
out=$("$POKE" "$P" raw-bad-args 5000)
after=$(rss)
tap_is "$out" "garbage 5000 of 5000" "5000 undecodable calls are each refused as garbage"
growth=$((after - before))
tap_ok "$([ "$growth" -lt 4096 ]; echo $?)" "... and the display's memory grows by less than 4 MiB (grew ${growth} KiB)"
display_serving; tap_ok $? "the display still answers"
exit $_tap_failed
