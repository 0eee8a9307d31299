# tests/hosts/hosts.sh -- two test hosts on one machine, for TAP tests (bash).
#
#   . tests/hosts/hosts.sh
#   hosts_up [--delay-ms N] [--usb-down] [--avahi-ipv6] [--service-dir DIR]...
#   on_disp CMD...            run CMD on the display host (foreground, its status)
#   on_mob  CMD...            run CMD on the mobile host
#   hosts_bg disp|mob CMD...  start CMD in the background there; its own PID
#                             is left in $HOSTS_LAST_PID; ended at teardown
#   hosts_ifindex disp|mob IFNAME   print the interface index inside that host
#   hosts_link_set wifi0|usb0 up|down   both ends of a link (plug/unplug;
#                             hosts_up --usb-down starts with usb0 down)
#   hosts_env disp|mob        print the host's environment (NAME=value lines)
#   hosts_delay_ms N          change the wifi round-trip delay (0 removes it)
#   hosts_rate MBPS|off [disp|mob]  cap wifi0 at MBPS MB/s (tc tbf) on both
#                             ends, or only where that host sends
#   hosts_down                tear everything down (also run by the EXIT trap)
#
# Topology: network namespaces $NS_DISP and $NS_MOB (disp-XXXXXX / mob-XXXXXX,
# one suffix per run) joined by two veth pairs:
#   wifi0: $DISP_WIFI_IP (10.77.0.1) <-> $MOB_WIFI_IP (10.77.0.2), /24
#   usb0:  $DISP_USB_IP  (10.78.0.1) <-> $MOB_USB_IP  (10.78.0.2), /24
# Each host has a private system bus, an avahi-daemon (host names "disp" and
# "mob", own mount namespace with a tmpfs over /run, only wifi0 and usb0, no
# IPv6 -- or, with --avahi-ipv6, Debian's default use-ipv6=yes: Avahi then
# also announces over IPv6 with the links' fe80:: addresses) and a session
# bus, all children of this shell, all ended by PID.
# Each host also gets its own HOME and XDG_{CONFIG,STATE,DATA,CACHE,RUNTIME}
# directories under $HOSTS_DIR/<host>/, like two separate machines.
#
# D-Bus activation on a host's session bus: put NAME.service files in
# $HOSTS_DIR/<host>/dbus-services/ (scanned when a name is first needed), or
# pass --service-dir DIR to hosts_up.  Activated services run inside the host.
#
# Delay: --delay-ms N makes the round trip on wifi0 N ms (usb0 stays fast):
# netem when the kernel has it, else an iptables NFQUEUE rule on each host's
# INPUT from wifi0 and tests/hosts/delayer holding each packet N/2 ms.
#
# Needs root, iproute2, iptables, dbus-daemon, avahi-daemon, util-linux, and
# tests/hosts/delayer built (`make tests/hosts/delayer`) when --delay-ms is used.
# Callers are bash scripts; on_* and hosts_bg take external commands (not
# shell functions).

HOSTS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOSTS_DELAYER=${HOSTS_DELAYER:-$HOSTS_LIB_DIR/delayer}

DISP_WIFI_IP=10.77.0.1
MOB_WIFI_IP=10.77.0.2
DISP_USB_IP=10.78.0.1
MOB_USB_IP=10.78.0.2
HOSTS_DIR=
NS_DISP=
NS_MOB=
HOSTS_LAST_PID=
HOSTS_DELAY_MS=0
HOSTS_DELAY_KIND=
_HOSTS_PIDS=()          # avahi-daemons and delayers we started
_HOSTS_BUS_PIDS=()      # dbus-daemons (ended last)
_HOSTS_BG_PIDS=()       # hosts_bg commands (ended first)
_HOSTS_DELAYER_PIDS=()  # delayers currently attached
_HOSTS_QUEUE=0          # NFQUEUE number in use (alternates 0/1 on changes)
_HOSTS_PREV_EXIT_TRAP=
_HOSTS_EXTRA_NS=()      # more namespaces to end and delete (tests/hosts/routed.sh)

_hosts_err() { echo "hosts.sh: $*" >&2; }

_hosts_ns() {
    case $1 in
        disp) echo "$NS_DISP" ;;
        mob) echo "$NS_MOB" ;;
        *) _hosts_err "unknown host '$1' (disp or mob)"; return 1 ;;
    esac
}

# The environment a program on host $1 sees (one NAME=value per line).
hosts_env() {
    local h=$1 d=$HOSTS_DIR/$1
    [ -n "$HOSTS_DIR" ] || { _hosts_err "hosts are not up"; return 1; }
    _hosts_ns "$h" >/dev/null || return 1
    printf '%s\n' \
        "HOSTS_HOST=$h" \
        "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$d/system.sock" \
        "DBUS_SESSION_BUS_ADDRESS=unix:path=$d/session.sock" \
        "HOME=$d/home" \
        "XDG_CONFIG_HOME=$d/home/.config" \
        "XDG_STATE_HOME=$d/home/.local/state" \
        "XDG_DATA_HOME=$d/home/.local/share" \
        "XDG_CACHE_HOME=$d/home/.cache" \
        "XDG_RUNTIME_DIR=$d/run"
}

# _hosts_prefix HOST: set _HOSTS_CMD to the command prefix that runs a
# program in HOST.  ip netns exec, env and the program exec into each other,
# so `"${_HOSTS_CMD[@]}" prog &` leaves prog's own PID in $!.
_hosts_prefix() {
    local ns envs
    ns=$(_hosts_ns "$1") || return 1
    mapfile -t envs < <(hosts_env "$1")
    _HOSTS_CMD=(ip netns exec "$ns" env "${envs[@]}")
}

_hosts_exec() {
    local h=$1
    shift
    _hosts_prefix "$h" || return 1
    "${_HOSTS_CMD[@]}" "$@"
}

on_disp() { _hosts_exec disp "$@"; }
on_mob() { _hosts_exec mob "$@"; }

hosts_bg() {
    local h=$1
    shift
    _hosts_prefix "$h" || return 1
    "${_HOSTS_CMD[@]}" "$@" &
    HOSTS_LAST_PID=$!
    _HOSTS_BG_PIDS+=("$HOSTS_LAST_PID")
}

# hosts_link_set IFNAME up|down: both ends of a link ("plug the cable").
hosts_link_set() {
    case $1:$2 in
        wifi0:up | wifi0:down | usb0:up | usb0:down) ;;
        *) _hosts_err "hosts_link_set: want wifi0|usb0 up|down, not '$1 $2'"; return 1 ;;
    esac
    ip -n "$NS_DISP" link set "$1" "$2" && ip -n "$NS_MOB" link set "$1" "$2"
}

hosts_ifindex() {
    local ns
    ns=$(_hosts_ns "$1") || return 1
    ip netns exec "$ns" cat "/sys/class/net/$2/ifindex"
}

# _hosts_wait_file FILE PATTERN SECONDS PID: until FILE matches PATTERN.
_hosts_wait_file() {
    local f=$1 pat=$2 tries=$(($3 * 20)) pid=$4
    while ! grep -q -- "$pat" "$f" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            _hosts_err "process $pid exited before '$pat' appeared in $f:"
            tail -n 5 "$f" >&2 2>/dev/null
            return 1
        fi
        tries=$((tries - 1))
        if [ "$tries" -le 0 ]; then
            _hosts_err "timed out waiting for '$pat' in $f"
            return 1
        fi
        sleep 0.05
    done
}

_hosts_start_buses() {
    local h=$1 d=$HOSTS_DIR/$1 sd svcdirs=""
    for sd in "$d/dbus-services" "${_HOSTS_SERVICE_DIRS[@]}"; do
        svcdirs+="  <servicedir>$sd</servicedir>"$'\n'
    done
    cat >"$d/system.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$d/system.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
    cat >"$d/session.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$d/session.sock</listen>
  <auth>EXTERNAL</auth>
$svcdirs  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
    _hosts_prefix "$h" || return 1
    "${_HOSTS_CMD[@]}" dbus-daemon --config-file="$d/system.conf" --nofork \
        --nopidfile --print-address=3 3>"$d/system.addr" 2>"$d/system.log" &
    _HOSTS_BUS_PIDS+=($!)
    _hosts_wait_file "$d/system.addr" unix 5 $! || return 1
    "${_HOSTS_CMD[@]}" dbus-daemon --config-file="$d/session.conf" --nofork \
        --nopidfile --print-address=3 3>"$d/session.addr" 2>"$d/session.log" &
    _HOSTS_BUS_PIDS+=($!)
    _hosts_wait_file "$d/session.addr" unix 5 $! || return 1
}

_hosts_start_avahi() {
    local h=$1 d=$HOSTS_DIR/$1
    cat >"$d/avahi.conf" <<EOF
[server]
host-name=$h
use-ipv4=yes
use-ipv6=$_HOSTS_AVAHI_IPV6
allow-interfaces=wifi0,usb0
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=${_HOSTS_AVAHI_WIDE:-no}
[publish]
publish-hinfo=no
publish-workstation=no
[reflector]
enable-reflector=no
EOF
    # Own mount namespace, tmpfs over /run (pid file /run/avahi-daemon/pid).
    # unshare and sh exec into avahi-daemon: $! is the daemon's PID.
    _hosts_prefix "$h" || return 1
    "${_HOSTS_CMD[@]}" unshare --mount --propagation private \
        sh -c 'mount -t tmpfs -o mode=755 hosts-run /run && exec "$@"' sh \
        avahi-daemon -f "$d/avahi.conf" --no-drop-root --no-chroot \
        --no-rlimits >"$d/avahi.log" 2>&1 &
    _HOSTS_PIDS+=($!)
    _HOSTS_AVAHI_PIDS+=($!)
}

_hosts_link() {
    local name=$1 a=$2 b=$3
    ip link add "$name" netns "$NS_DISP" type veth peer name "$name" \
        netns "$NS_MOB" || return 1
    ip -n "$NS_DISP" addr add "$a/24" dev "$name" &&
        ip -n "$NS_MOB" addr add "$b/24" dev "$name" &&
        ip -n "$NS_DISP" link set "$name" up &&
        ip -n "$NS_MOB" link set "$name" up
}

# _hosts_start_daemons: each host's buses and avahi-daemon, then wait until
# both avahi-daemons are up (hosts_up and routed_up share it)
_hosts_start_daemons() {
    local h
    for h in disp mob; do
        _hosts_start_buses "$h" || return 1
        _hosts_start_avahi "$h"
    done
    for h in disp mob; do
        _hosts_wait_file "$HOSTS_DIR/$h/avahi.log" "Server startup complete" 10 \
            "${_HOSTS_AVAHI_PIDS[0]}" || return 1
        _HOSTS_AVAHI_PIDS=("${_HOSTS_AVAHI_PIDS[@]:1}")
    done
}

hosts_up() {
    local -
    set +e  # callers may run under set -e: teardown must not stop halfway
    local delay=0 h usb=up
    _HOSTS_SERVICE_DIRS=()
    _HOSTS_AVAHI_IPV6=no
    _HOSTS_AVAHI_PIDS=()
    while [ $# -gt 0 ]; do
        case $1 in
            --delay-ms) delay=$2; shift 2 ;;
            --service-dir) _HOSTS_SERVICE_DIRS+=("$2"); shift 2 ;;
            --usb-down) usb=down; shift ;;
            --avahi-ipv6) _HOSTS_AVAHI_IPV6=yes; shift ;;
            *) _hosts_err "hosts_up: unknown option '$1'"; return 1 ;;
        esac
    done
    case $delay in
        '' | *[!0-9]*) _hosts_err "hosts_up: --delay-ms wants a number of ms, not '$delay'"; return 1 ;;
    esac
    [ -z "$HOSTS_DIR" ] || { _hosts_err "hosts are already up ($HOSTS_DIR)"; return 1; }
    _hosts_install_trap
    HOSTS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hosts.XXXXXX") || return 1
    NS_DISP=disp-${HOSTS_DIR##*.}
    NS_MOB=mob-${HOSTS_DIR##*.}
    ip netns add "$NS_DISP" || { hosts_down; return 1; }
    ip netns add "$NS_MOB" || { hosts_down; return 1; }
    for h in disp mob; do
        mkdir -p "$HOSTS_DIR/$h/home" "$HOSTS_DIR/$h/dbus-services"
        mkdir -m 700 "$HOSTS_DIR/$h/run"
        ip -n "$(_hosts_ns $h)" link set lo up
    done
    if ! _hosts_link wifi0 "$DISP_WIFI_IP" "$MOB_WIFI_IP" ||
        ! _hosts_link usb0 "$DISP_USB_IP" "$MOB_USB_IP"; then
        _hosts_err "could not make the links"
        hosts_down
        return 1
    fi
    [ "$usb" = up ] || hosts_link_set usb0 down
    _hosts_start_daemons || { hosts_down; return 1; }
    if [ "$delay" -gt 0 ]; then
        hosts_delay_ms "$delay" || { hosts_down; return 1; }
    fi
}

# --- delay on the wifi link ------------------------------------------------

_hosts_netem() {
    local h ns
    for h in disp mob; do
        ns=$(_hosts_ns $h)
        tc -n "$ns" qdisc del dev wifi0 root 2>/dev/null
        if [ "$1" -gt 0 ]; then
            # Half the round trip on each host's egress.
            tc -n "$ns" qdisc add dev wifi0 root netem \
                delay "$(($1 * 500))us" limit 100000 2>/dev/null || return 1
        fi
    done
}

_hosts_nfqueue() {
    local ms=$1 q old_q=$_HOSTS_QUEUE h ns pid old_pids=("${_HOSTS_DELAYER_PIDS[@]}")
    local rule=(INPUT -i wifi0 -j NFQUEUE --queue-bypass --queue-num)
    if [ "$ms" -gt 0 ]; then
        if [ ! -x "$HOSTS_DELAYER" ]; then
            _hosts_err "no delayer at $HOSTS_DELAYER (run: make tests/hosts/delayer)"
            return 1
        fi
        q=$((1 - old_q))
        _HOSTS_DELAYER_PIDS=()
        for h in disp mob; do
            ns=$(_hosts_ns $h)
            # Half the round trip on each host's INPUT: every packet is held
            # on the receiving side, out of the sender's queue accounting.
            ip netns exec "$ns" "$HOSTS_DELAYER" -q "$q" -d "$((ms * 500))" \
                -r "$HOSTS_DIR/$h/delayer.$q.ready" 2>"$HOSTS_DIR/$h/delayer.$q.log" &
            pid=$!
            _HOSTS_PIDS+=("$pid")
            _HOSTS_DELAYER_PIDS+=("$pid")
            _hosts_wait_file "$HOSTS_DIR/$h/delayer.$q.ready" ready 5 "$pid" || return 1
            ip netns exec "$ns" iptables -w -I "${rule[@]}" "$q" || return 1
        done
        _HOSTS_QUEUE=$q
    fi
    # Detach the previous delayers: rule first, then the process (it accepts
    # what it still holds when told to stop).
    if [ "${#old_pids[@]}" -gt 0 ]; then
        for h in disp mob; do
            ip netns exec "$(_hosts_ns $h)" iptables -w -D "${rule[@]}" "$old_q" 2>/dev/null
        done
        _hosts_stop_pids "${old_pids[@]}"
        [ "$ms" -gt 0 ] || _HOSTS_DELAYER_PIDS=()
    fi
    return 0
}

hosts_delay_ms() {
    local -
    set +e  # callers may run under set -e: teardown must not stop halfway
    local ms=$1
    case $ms in
        '' | *[!0-9]*) _hosts_err "hosts_delay_ms: wants a number of ms, not '$ms'"; return 1 ;;
    esac
    [ -n "$HOSTS_DIR" ] || { _hosts_err "hosts are not up"; return 1; }
    if [ "$HOSTS_DELAY_KIND" != nfqueue ] && _hosts_netem "$ms"; then
        HOSTS_DELAY_KIND=netem
    else
        [ "$HOSTS_DELAY_KIND" = netem ] && _hosts_netem 0
        HOSTS_DELAY_KIND=nfqueue
        _hosts_nfqueue "$ms" || return 1
    fi
    HOSTS_DELAY_MS=$ms
}

# hosts_rate MBPS|off [disp|mob]: a rate limit on wifi0 (tbf: this kernel
# has no netem), on what both hosts send, or only the one named (its egress)
hosts_rate() {
    local h hs=(disp mob)
    case $1 in
        off) ;;
        '' | *[!0-9]* | 0) _hosts_err "hosts_rate: wants MB/s or off, not '$1'"; return 1 ;;
    esac
    [ -n "$HOSTS_DIR" ] || { _hosts_err "hosts are not up"; return 1; }
    [ -z "${2:-}" ] || hs=("$2")
    for h in "${hs[@]}"; do
        _hosts_exec "$h" tc qdisc del dev wifi0 root 2>/dev/null
        [ "$1" = off ] || _hosts_exec "$h" tc qdisc add dev wifi0 root tbf \
            rate "$(($1 * 8))mbit" burst 256kb latency 200ms || return 1
    done
}

# --- teardown ----------------------------------------------------------------

# _hosts_stop_pids PID...: TERM, wait up to 3 s, then KILL; reap each child.
_hosts_stop_pids() {
    local p n alive
    [ $# -gt 0 ] || return 0
    for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
    for n in $(seq 60); do
        alive=0
        for p in "$@"; do
            if kill -0 "$p" 2>/dev/null && [ "$(_hosts_pstate "$p")" != Z ]; then
                alive=1
            fi
        done
        [ "$alive" = 0 ] && break
        sleep 0.05
    done
    for p in "$@"; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    return 0
}

_hosts_pstate() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    echo "${stat%% *}"
}

hosts_down() {
    local -
    set +e  # callers may run under set -e: teardown must not stop halfway
    local ns p pids=() others=()
    [ -n "$HOSTS_DIR" ] || return 0
    # Users of the daemons first, then the daemons, then the buses.
    _hosts_stop_pids "${_HOSTS_BG_PIDS[@]}"
    # Anything else inside our namespaces (services the session bus
    # activated, grandchildren of tests) is ours too: end it by PID.
    for ns in "$NS_DISP" "$NS_MOB" "${_HOSTS_EXTRA_NS[@]}"; do
        [ -e "/run/netns/$ns" ] || continue
        mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
        for p in "${pids[@]}"; do
            case " ${_HOSTS_PIDS[*]} ${_HOSTS_BUS_PIDS[*]} " in
                *" $p "*) ;;
                *) others+=("$p") ;;
            esac
        done
    done
    _hosts_stop_pids "${others[@]}"
    _hosts_stop_pids "${_HOSTS_PIDS[@]}"
    _hosts_stop_pids "${_HOSTS_BUS_PIDS[@]}"
    for ns in "$NS_DISP" "$NS_MOB" "${_HOSTS_EXTRA_NS[@]}"; do
        [ -n "$ns" ] && [ -e "/run/netns/$ns" ] && ip netns del "$ns"
        # per-namespace /etc files (resolv.conf) of the routed variant
        [ -n "$ns" ] && rm -rf "/etc/netns/$ns"
    done
    rm -rf "$HOSTS_DIR"
    HOSTS_DIR= NS_DISP= NS_MOB= HOSTS_DELAY_MS=0 HOSTS_DELAY_KIND= HOSTS_LAST_PID=
    _HOSTS_PIDS=() _HOSTS_BUS_PIDS=() _HOSTS_BG_PIDS=() _HOSTS_DELAYER_PIDS=()
    _HOSTS_EXTRA_NS=()
    return 0
}

_hosts_on_exit() {
    local rc=$?
    local -
    set +e  # callers may run under set -e: teardown must not stop halfway
    hosts_down
    if [ -n "$_HOSTS_PREV_EXIT_TRAP" ]; then
        eval "$_HOSTS_PREV_EXIT_TRAP"
    fi
    exit "$rc"
}

# Chain the caller's EXIT trap; make INT/TERM/HUP exit so that it runs.
_hosts_install_trap() {
    local prev sig
    prev=$(trap -p EXIT)
    case $prev in
        *_hosts_on_exit*) return 0 ;;
    esac
    prev=${prev#"trap -- '"}
    prev=${prev%"' EXIT"}
    _HOSTS_PREV_EXIT_TRAP=${prev//"'\\''"/"'"}
    trap _hosts_on_exit EXIT
    for sig in INT TERM HUP; do
        [ -n "$(trap -p "$sig")" ] || trap "exit 129" "$sig"
    done
}
