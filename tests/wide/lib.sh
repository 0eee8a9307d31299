# tests/wide/lib.sh -- KCM on the routed test hosts (tests/hosts/routed.sh):
# disp and mob on two subnets, BIND 9 on the router, wide-area DNS-SD.
. "$(dirname "${BASH_SOURCE[0]}")/../kcm/lib.sh"
. "$ROOT/tests/hosts/routed.sh"

# wide_up [routed_up options]: routed hosts, work dir $W, KCM activatable on
# both; the display's KCM publishes in $WIDE_DOMAIN through the router's
# named with the update key (its Exec line carries the options).
wide_up() {
	[ -x "$KCM" ] && [ -x "$KCMCTL" ] || { echo "Bail out! build kcm/kcm and kcm/kcmctl first"; exit 1; }
	routed_up "$@" || { echo "Bail out! the routed test hosts did not come up"; exit 1; }
	W=$(mktemp -d "$HOSTS_DIR/widetest.XXXXXX")
	printf '[D-BUS Service]\nName=org.kimberley.KCM\nExec=%s --dns-domain %s --dns-server %s --dns-key %s --dns-host disp\n' \
		"$KCM" "$WIDE_DOMAIN" "$ROUTER_DISP_IP" "$WIDE_KEY" \
		> "$HOSTS_DIR/disp/dbus-services/org.kimberley.KCM.service"
	printf '[D-BUS Service]\nName=org.kimberley.KCM\nExec=%s\n' "$KCM" \
		> "$HOSTS_DIR/mob/dbus-services/org.kimberley.KCM.service"
}

# dig_short HOST NAME TYPE: the answer from the site's DNS server, as HOST sees it.
dig_short() {
	local ip=$ROUTER_MOB_IP
	[ "$1" = disp ] && ip=$ROUTER_DISP_IP
	_hosts_exec "$1" dig +short +time=2 +tries=1 @"$ip" "$2" "$3"
}

# kcm_log_of HOST: the session bus's log (where an activated KCM writes).
kcm_log_of() { cat "$HOSTS_DIR/$1/session.log"; }
