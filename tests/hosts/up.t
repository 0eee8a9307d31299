#!/usr/bin/env bash
# Two test hosts come up: both links carry traffic, and each host's
# avahi-daemon sees the service the other host publishes.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/hosts/hosts.sh

tap_plan 11
t0=$(date +%s%N)
hosts_up
tap_ok $? "hosts_up"
tap_diag "up in $((($(date +%s%N) - t0) / 1000000)) ms: $NS_DISP $NS_MOB $HOSTS_DIR"

on_mob ping -q -c 2 -i 0.2 -W 2 "$DISP_WIFI_IP" >/dev/null
tap_ok $? "mob pings disp over wifi"
on_disp ping -q -c 2 -i 0.2 -W 2 "$MOB_USB_IP" >/dev/null
tap_ok $? "disp pings mob over usb0"

# Unplugging and plugging the "cable".
hosts_link_set usb0 down && ! on_mob ping -q -c 1 -W 1 "$DISP_USB_IP" >/dev/null 2>&1
tap_ok $? "hosts_link_set usb0 down: no traffic on usb0"
hosts_link_set usb0 up && on_mob ping -q -c 1 -W 3 "$DISP_USB_IP" >/dev/null
tap_ok $? "hosts_link_set usb0 up: traffic again"

# The interface names are the same on both hosts; the indexes are theirs.
wi=$(hosts_ifindex disp wifi0)
ui=$(hosts_ifindex mob usb0)
[ -n "$wi" ] && [ -n "$ui" ] && [ "$(on_disp cat /sys/class/net/wifi0/ifindex)" = "$wi" ]
tap_ok $? "hosts_ifindex gives the indexes inside each host (disp wifi0=$wi, mob usb0=$ui)"

# The two hosts have separate session buses.
da=$(on_disp sh -c 'echo "$DBUS_SESSION_BUS_ADDRESS"')
ma=$(on_mob sh -c 'echo "$DBUS_SESSION_BUS_ADDRESS"')
[ "$da" != "$ma" ] && on_disp dbus-send --session --print-reply --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.GetId >/dev/null
tap_ok $? "each host has its own session bus"

# browse HOST SERVICE_NAME: wait up to 5 s for the resolved service.
browse() {
    local i out
    for i in $(seq 10); do
        out=$(_hosts_exec "$1" avahi-browse -rpt _kimtest._tcp 2>/dev/null)
        if grep -q "^=;wifi0;IPv4;$2;" <<<"$out"; then
            printf '%s\n' "$out"
            return 0
        fi
        sleep 0.5
    done
    printf '%s\n' "$out"
    return 1
}

hosts_bg disp avahi-publish -s "hosts-test-disp" _kimtest._tcp 4711 >/dev/null 2>&1
hosts_bg mob avahi-publish -s "hosts-test-mob" _kimtest._tcp 4712 >/dev/null 2>&1
out=$(browse mob hosts-test-disp)
tap_ok $? "mob's avahi finds disp's service"
grep -q "^=;wifi0;IPv4;hosts-test-disp;_kimtest._tcp;local;disp.local;$DISP_WIFI_IP;4711;" <<<"$out"
tap_ok $? "... resolved to disp.local $DISP_WIFI_IP port 4711 on wifi0"
grep -q "^=;usb0;IPv4;hosts-test-disp;_kimtest._tcp;local;disp.local;$DISP_USB_IP;4711;" <<<"$out"
tap_ok $? "... and to $DISP_USB_IP on usb0"
out=$(browse disp hosts-test-mob)
tap_ok $? "disp's avahi finds mob's service (host mob.local)"
[ "$_tap_failed" -eq 0 ] || tap_diag "$out"
exit "$_tap_failed"
