# tests/hosts/routed.sh -- the two test hosts on two subnets joined by a
# router, with a DNS server for wide-area DNS-SD (docs/widearea.md).  Bash.
#
#   . tests/hosts/routed.sh          (sources hosts.sh)
#   routed_up [--search-domain] [--service-dir DIR]...
#                                    --search-domain: mob's resolv.conf also
#                                    says "search kim.test" (a browse domain
#                                    the network announces, as DHCP would)
#   on_disp / on_mob / hosts_bg / hosts_env / hosts_ifindex / hosts_down
#                                    as in hosts.sh (docs/test-hosts.md)
#   on_router CMD...                 run CMD in the router namespace
#   routed_nsupdate FILE             send an nsupdate script signed with the key
#
# Topology (no usb0 link):
#   disp  wifi0 $DISP_WIFI_IP (10.77.0.1/24) -- lan-d 10.77.0.254  router
#   mob   wifi0 $MOB_WIFI_IP  (10.79.0.2/24) -- lan-m 10.79.0.254  router
# Each host's default route is the router; the router forwards IPv4
# (net.ipv4.ip_forward=1 in its namespace) and nothing else: no multicast
# routing, so mDNS (224.0.0.251, link-local) stays on each subnet.
#
# BIND 9 (named -f -u root -c $ROUTED_DIR/named.conf) runs in the router
# namespace, listening on both router addresses, authoritative for
# $WIDE_DOMAIN (kim.test) and accepting dynamic updates (RFC 2136) only
# when signed with the TSIG key $WIDE_KEY (tsig-keygen, hmac-sha256).
# Each host's /etc/resolv.conf (ip netns exec bind-mounts
# /etc/netns/NS/resolv.conf) names its router address; avahi-daemon reads
# its nameservers from there and runs with [wide-area] enable-wide-area=yes.
# named is ended by PID with the rest (hosts_down); the router namespace and
# /etc/netns/* go too.

. "$(dirname "${BASH_SOURCE[0]}")/hosts.sh"

WIDE_DOMAIN=kim.test
WIDE_KEY_NAME=kim-update
ROUTER_DISP_IP=10.77.0.254
ROUTER_MOB_IP=10.79.0.254
NS_ROUTER=
ROUTED_DIR=
WIDE_KEY=
NAMED_PID=

on_router() { ip netns exec "$NS_ROUTER" "$@"; }

# routed_nsupdate FILE: run nsupdate (signed) with FILE on stdin, on disp.
routed_nsupdate() { on_disp nsupdate -k "$WIDE_KEY" < "$1"; }

_routed_veth() {  # HOST-NS IFNAME ROUTER-IFNAME HOST-IP ROUTER-IP
    ip link add "$2" netns "$1" type veth peer name "$3" netns "$NS_ROUTER" || return 1
    ip -n "$1" addr add "$4/24" dev "$2" &&
        ip -n "$NS_ROUTER" addr add "$5/24" dev "$3" &&
        ip -n "$1" link set "$2" up &&
        ip -n "$NS_ROUTER" link set "$3" up &&
        ip -n "$1" route add default via "$5"
}

_routed_named() {
    local d=$ROUTED_DIR
    mkdir -p "$d/named"
    tsig-keygen -a hmac-sha256 "$WIDE_KEY_NAME" > "$d/update.key" || return 1
    WIDE_KEY=$d/update.key
    cat > "$d/named/$WIDE_DOMAIN.db" <<EOF
\$TTL 30
@	IN SOA	ns.$WIDE_DOMAIN. hostmaster.$WIDE_DOMAIN. 1 60 30 600 5
@	IN NS	ns.$WIDE_DOMAIN.
ns	IN A	$ROUTER_DISP_IP
EOF
    cat > "$d/named.conf" <<EOF
include "$d/update.key";
options {
	directory "$d/named";
	pid-file "$d/named.pid";
	session-keyfile "$d/session.key";
	listen-on port 53 { $ROUTER_DISP_IP; $ROUTER_MOB_IP; 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
};
controls { };
logging {
	channel log { file "$d/named.log"; severity info; print-time yes; };
	category default { log; };
	category update { log; };
	category update-security { log; };
};
zone "$WIDE_DOMAIN" {
	type primary;
	file "$d/named/$WIDE_DOMAIN.db";
	update-policy { grant $WIDE_KEY_NAME zonesub ANY; };
};
EOF
    # ip netns exec execs named: $! is named's own PID (a shell function
    # in the background would leave a subshell's there)
    ip netns exec "$NS_ROUTER" named -f -u root -c "$d/named.conf" > "$d/named.out" 2>&1 &
    NAMED_PID=$!
    _HOSTS_PIDS+=("$NAMED_PID")
    for _ in $(seq 200); do
        if on_router dig +short +time=1 +tries=1 @127.0.0.1 "$WIDE_DOMAIN" SOA \
            2>/dev/null | grep -q hostmaster; then
            return 0
        fi > /dev/null
        kill -0 "$NAMED_PID" 2>/dev/null || break
        sleep 0.05
    done
    _hosts_err "named did not start:"
    tail -n 5 "$d/named.out" "$d/named.log" >&2 2>/dev/null
    return 1
}

routed_up() {
    local -
    set +e  # callers may run under set -e: teardown must not stop halfway
    local h ns search=
    _HOSTS_SERVICE_DIRS=()
    _HOSTS_AVAHI_IPV6=no
    _HOSTS_AVAHI_WIDE=yes
    _HOSTS_AVAHI_PIDS=()
    while [ $# -gt 0 ]; do
        case $1 in
            --service-dir) _HOSTS_SERVICE_DIRS+=("$2"); shift 2 ;;
            --search-domain) search=1; shift ;;
            *) _hosts_err "routed_up: unknown option '$1'"; return 1 ;;
        esac
    done
    [ -z "$HOSTS_DIR" ] || { _hosts_err "hosts are already up ($HOSTS_DIR)"; return 1; }
    _hosts_install_trap
    HOSTS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hosts.XXXXXX") || return 1
    ROUTED_DIR=$HOSTS_DIR/router
    mkdir -p "$ROUTED_DIR"
    NS_DISP=disp-${HOSTS_DIR##*.}
    NS_MOB=mob-${HOSTS_DIR##*.}
    NS_ROUTER=rtr-${HOSTS_DIR##*.}
    MOB_WIFI_IP=10.79.0.2
    _HOSTS_EXTRA_NS=("$NS_ROUTER")
    for ns in "$NS_DISP" "$NS_MOB" "$NS_ROUTER"; do
        ip netns add "$ns" || { hosts_down; return 1; }
        ip -n "$ns" link set lo up
    done
    for h in disp mob; do
        mkdir -p "$HOSTS_DIR/$h/home" "$HOSTS_DIR/$h/dbus-services"
        mkdir -m 700 "$HOSTS_DIR/$h/run"
    done
    if ! _routed_veth "$NS_DISP" wifi0 lan-d "$DISP_WIFI_IP" "$ROUTER_DISP_IP" ||
        ! _routed_veth "$NS_MOB" wifi0 lan-m "$MOB_WIFI_IP" "$ROUTER_MOB_IP" ||
        ! on_router sysctl -q -w net.ipv4.ip_forward=1; then
        _hosts_err "could not make the routed links"
        hosts_down
        return 1
    fi
    mkdir -p "/etc/netns/$NS_DISP" "/etc/netns/$NS_MOB"
    echo "nameserver $ROUTER_DISP_IP" > "/etc/netns/$NS_DISP/resolv.conf"
    echo "nameserver $ROUTER_MOB_IP" > "/etc/netns/$NS_MOB/resolv.conf"
    [ -z "$search" ] || echo "search $WIDE_DOMAIN" >> "/etc/netns/$NS_MOB/resolv.conf"
    _routed_named || { hosts_down; return 1; }
    _hosts_start_daemons || { hosts_down; return 1; }
}
