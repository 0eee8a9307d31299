#!/usr/bin/env bash
# The wifi link's added delay: mean round trip within 20 % of 150 ms while
# usb0 stays fast; hosts_delay_ms changes and removes it.
# ping -U: user-to-user time.  Plain ping reports the kernel's receive
# timestamp, taken before the receiving host's INPUT hook holds the packet.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/hosts/hosts.sh

# mean_rtt HOST ADDR COUNT: print the mean round trip in ms.
mean_rtt() {
    _hosts_exec "$1" ping -U -q -n -c "$3" -i 0.2 -W 2 "$2" |
        sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/\([0-9.]*\)/.*|\1|p'
}
# within MEAN LOW HIGH
within() { awk -v m="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(m != "" && m >= lo && m <= hi) }'; }

tap_plan 6
hosts_up --delay-ms 150
tap_ok $? "hosts_up --delay-ms 150 ($HOSTS_DELAY_KIND)"

m=$(mean_rtt mob "$DISP_WIFI_IP" 8)
within "$m" 120 180
tap_ok $? "wifi mob->disp mean RTT ${m:-none} ms is within 20 % of 150 ms"
m=$(mean_rtt disp "$MOB_WIFI_IP" 5)
within "$m" 120 180
tap_ok $? "wifi disp->mob mean RTT ${m:-none} ms is within 20 % of 150 ms"
m=$(mean_rtt mob "$DISP_USB_IP" 8)
within "$m" 0 3
tap_ok $? "usb0 mean RTT ${m:-none} ms stays under 3 ms"

hosts_delay_ms 40 && m=$(mean_rtt mob "$DISP_WIFI_IP" 5) && within "$m" 32 48
tap_ok $? "hosts_delay_ms 40: wifi mean RTT ${m:-none} ms"
hosts_delay_ms 0 && m=$(mean_rtt mob "$DISP_WIFI_IP" 5) && within "$m" 0 3
tap_ok $? "hosts_delay_ms 0: wifi mean RTT ${m:-none} ms"
exit "$_tap_failed"
