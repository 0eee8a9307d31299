/* bus.c -- KCM's D-Bus face: org.kimberley.KCM on the session bus.
 *
 * Each method is parse -> check -> act; publish and browse answer later,
 * from Avahi's callbacks (the call is kept with a reference).  Bad calls
 * get org.kimberley.KCM.Error.InvalidArgs with a sentence.  Clients that
 * leave the bus lose their publications and tunnels (NameOwnerChanged). */
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kcm/kcm.h"
#include "kcm/introspect.h" /* KCM_INTROSPECT_XML, generated from the .xml */

#define KCM_NAME_MAX 63 /* one DNS label: the DNS-SD instance name limit */

void
bus_reply_error(
    struct kcm *k, DBusMessage *call, const char *name, const char *fmt, ...)
{
	char msg[2048];
	DBusMessage *r;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if ((r = dbus_message_new_error(call, name, msg))) {
		dbus_connection_send(k->bus, r, NULL);
		dbus_message_unref(r);
	}
}

static void
reply_string(struct kcm *k, DBusMessage *call, const char *s)
{
	DBusMessage *r = dbus_message_new_method_return(call);
	if (r) {
		dbus_message_append_args(
		    r, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
		dbus_connection_send(k->bus, r, NULL);
		dbus_message_unref(r);
	}
}

static void
reply_empty(struct kcm *k, DBusMessage *call)
{
	DBusMessage *r = dbus_message_new_method_return(call);
	if (r) {
		dbus_connection_send(k->bus, r, NULL);
		dbus_message_unref(r);
	}
}

/* A sentence saying what is wrong with a display name, or NULL. */
static const char *
bad_name(const char *name, bool empty_ok)
{
	const unsigned char *p;
	if (!*name)
		return empty_ok ? NULL : "the display name is empty";
	if (strlen(name) > KCM_NAME_MAX)
		return "the display name is longer than 63 bytes (the DNS-SD limit)";
	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "the display name contains control characters";
	return NULL;
}

static const char *
bad_iface(int iface)
{
	char buf[IF_NAMESIZE];
	if (iface == -1)
		return NULL;
	if (iface < 0 || !if_indextoname((unsigned)iface, buf))
		return "no such network interface index (use -1 for any)";
	return NULL;
}

static bool
get_args(struct kcm *k, DBusMessage *m, int first, ...)
{
	DBusError e;
	va_list ap;
	bool ok;
	dbus_error_init(&e);
	va_start(ap, first);
	ok = dbus_message_get_args_valist(m, &e, first, ap);
	va_end(ap);
	if (!ok) {
		bus_reply_error(k, m, KCM_ERR "InvalidArgs",
		    "bad arguments to %s (signature %s): %s",
		    dbus_message_get_member(m), dbus_message_get_signature(m),
		    e.message);
		dbus_error_free(&e);
	}
	return ok;
}

static void
do_sense(struct kcm *k, DBusMessage *m)
{
	char **names = sense_interfaces();
	int n = 0;
	DBusMessage *r = dbus_message_new_method_return(m);
	while (names && names[n])
		n++;
	if (r) {
		dbus_message_append_args(r, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING,
		    &names, n, DBUS_TYPE_INVALID);
		dbus_connection_send(k->bus, r, NULL);
		dbus_message_unref(r);
	}
	for (n = 0; names && names[n]; n++)
		free(names[n]);
	free(names);
}

static void
do_publish(struct kcm *k, DBusMessage *m, enum kcm_kind kind)
{
	const char *name, *why;
	dbus_int32_t iface;
	dbus_uint32_t port;
	if (!get_args(k, m, DBUS_TYPE_STRING, &name, DBUS_TYPE_INT32, &iface,
		DBUS_TYPE_UINT32, &port, DBUS_TYPE_INVALID))
		return;
	if ((why = bad_name(name, false)) || (why = bad_iface(iface)) ||
	    ((port == 0 || port > 65535) &&
		(why = "the port must be 1..65535"))) {
		bus_reply_error(k, m, KCM_ERR "InvalidArgs",
		    "cannot publish '%s': %s", name, why);
		return;
	}
	pub_start(k, m, kind, name, iface, port);
}

static void
do_unpublish(struct kcm *k, DBusMessage *m, enum kcm_kind kind)
{
	const char *name;
	if (!get_args(k, m, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID))
		return;
	if (pub_stop(k, kind, name, dbus_message_get_sender(m)) < 0)
		bus_reply_error(k, m, KCM_ERR "NotPublished",
		    "nothing is published as '%s'%s", name,
		    kind == KIND_VNC ? " (VNC)" : "");
	else
		reply_empty(k, m);
}

static void
do_find(struct kcm *k, DBusMessage *m, int kind, const char *name,
    dbus_int32_t iface, dbus_uint32_t timeout_ms, const char *domain)
{
	const char *why;
	if ((why = bad_name(name, true)) || (why = bad_iface(iface)) ||
	    ((timeout_ms == 0 || timeout_ms > 600000) &&
		(why = "the timeout must be 1..600000 ms"))) {
		bus_reply_error(
		    k, m, KCM_ERR "InvalidArgs", "cannot browse: %s", why);
		return;
	}
	if (domain && *domain && (why = wide_bad_domain(domain))) {
		bus_reply_error(k, m, KCM_ERR "InvalidArgs",
		    "cannot browse the domain '%s': %s", domain, why);
		return;
	}
	search_start(k, m, (enum kcm_kind)kind, name, iface, timeout_ms,
	    domain && *domain ? domain : NULL);
}

static void
do_browse(struct kcm *k, DBusMessage *m, enum kcm_kind kind)
{
	const char *name;
	dbus_int32_t iface;
	if (get_args(k, m, DBUS_TYPE_STRING, &name, DBUS_TYPE_INT32, &iface,
		DBUS_TYPE_INVALID))
		do_find(k, m, kind, name, iface, KCM_BROWSE_TIMEOUT_MS, NULL);
}

/* find (kind, name, interface, timeout) and find_in (the same + domain). */
static void
do_find_call(struct kcm *k, DBusMessage *m, bool in_domain)
{
	const char *kind, *name, *domain = NULL;
	dbus_int32_t iface;
	dbus_uint32_t t;
	if (in_domain
		? !get_args(k, m, DBUS_TYPE_STRING, &kind, DBUS_TYPE_STRING,
		      &name, DBUS_TYPE_INT32, &iface, DBUS_TYPE_UINT32, &t,
		      DBUS_TYPE_STRING, &domain, DBUS_TYPE_INVALID)
		: !get_args(k, m, DBUS_TYPE_STRING, &kind, DBUS_TYPE_STRING,
		      &name, DBUS_TYPE_INT32, &iface, DBUS_TYPE_UINT32, &t,
		      DBUS_TYPE_INVALID))
		return;
	if (strcmp(kind, "launcher") && strcmp(kind, "vnc")) {
		bus_reply_error(k, m, KCM_ERR "InvalidArgs",
		    "unknown service kind '%s' (use \"launcher\" or \"vnc\")",
		    kind);
		return;
	}
	do_find(k, m, strcmp(kind, "vnc") ? KIND_LAUNCHER : KIND_VNC, name,
	    iface, t, domain);
}

/* list(kind, interface, timeout_ms, domain) -> a(sss) (list.c). */
static void
do_list(struct kcm *k, DBusMessage *m)
{
	const char *kind, *domain, *why;
	dbus_int32_t iface;
	dbus_uint32_t t;
	if (!get_args(k, m, DBUS_TYPE_STRING, &kind, DBUS_TYPE_INT32, &iface,
		DBUS_TYPE_UINT32, &t, DBUS_TYPE_STRING, &domain,
		DBUS_TYPE_INVALID))
		return;
	if ((strcmp(kind, "launcher") && strcmp(kind, "vnc") &&
		(why = "the kind must be \"launcher\" or \"vnc\"")) ||
	    (why = bad_iface(iface)) ||
	    ((t == 0 || t > 600000) &&
		(why = "the timeout must be 1..600000 ms")) ||
	    (*domain && (why = wide_bad_domain(domain)))) {
		bus_reply_error(
		    k, m, KCM_ERR "InvalidArgs", "cannot list: %s", why);
		return;
	}
	list_start(k, m, strcmp(kind, "vnc") ? KIND_LAUNCHER : KIND_VNC, iface,
	    t, *domain ? domain : NULL);
}

/* set_busy(name, busy): the display launcher's hook at a session's start
 * and end; the TXT record says state=busy or state=free. */
static void
do_set_busy(struct kcm *k, DBusMessage *m)
{
	const char *name;
	dbus_bool_t busy;
	if (!get_args(k, m, DBUS_TYPE_STRING, &name, DBUS_TYPE_BOOLEAN, &busy,
		DBUS_TYPE_INVALID))
		return;
	if (pub_set_busy(k, name, busy) < 0)
		bus_reply_error(k, m, KCM_ERR "NotPublished",
		    "nothing is published as '%s'", name);
	else
		reply_empty(k, m);
}

static DBusHandlerResult
on_message(DBusConnection *c, DBusMessage *m, void *data)
{
	struct kcm *k = data;
	const char *iface = dbus_message_get_interface(m);
	const char *member = dbus_message_get_member(m);
	(void)c;

	if (dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (dbus_message_is_method_call(
		m, DBUS_INTERFACE_INTROSPECTABLE, "Introspect")) {
		reply_string(k, m, KCM_INTROSPECT_XML);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (iface && strcmp(iface, KCM_IFACE) != 0)
		goto unknown;
	if (!strcmp(member, "sense"))
		do_sense(k, m);
	else if (!strcmp(member, "publish"))
		do_publish(k, m, KIND_LAUNCHER);
	else if (!strcmp(member, "publish_vnc"))
		do_publish(k, m, KIND_VNC);
	else if (!strcmp(member, "unpublish"))
		do_unpublish(k, m, KIND_LAUNCHER);
	else if (!strcmp(member, "unpublish_vnc"))
		do_unpublish(k, m, KIND_VNC);
	else if (!strcmp(member, "browse"))
		do_browse(k, m, KIND_LAUNCHER);
	else if (!strcmp(member, "browse_vnc"))
		do_browse(k, m, KIND_VNC);
	else if (!strcmp(member, "find"))
		do_find_call(k, m, false);
	else if (!strcmp(member, "find_in"))
		do_find_call(k, m, true);
	else if (!strcmp(member, "set_busy"))
		do_set_busy(k, m);
	else if (!strcmp(member, "list"))
		do_list(k, m);
	else if (!strcmp(member, "identity"))
		reply_string(k, m, k->fingerprint);
	else
		goto unknown;
	return DBUS_HANDLER_RESULT_HANDLED;
unknown:
	bus_reply_error(k, m, DBUS_ERROR_UNKNOWN_METHOD,
	    "KCM has no method %s.%s", iface ? iface : "", member);
	return DBUS_HANDLER_RESULT_HANDLED;
}

static DBusHandlerResult
on_signal(DBusConnection *c, DBusMessage *m, void *data)
{
	struct kcm *k = data;
	const char *name, *old, *new;
	(void)c;
	if (dbus_message_is_signal(
		m, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
	    dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &name,
		DBUS_TYPE_STRING, &old, DBUS_TYPE_STRING, &new,
		DBUS_TYPE_INVALID) &&
	    name[0] == ':' && !*new) {
		pub_owner_gone(k, name);
		search_owner_gone(k, name);
	}
	if (dbus_message_is_signal(m, DBUS_INTERFACE_LOCAL, "Disconnected")) {
		kcm_log("the session bus went away; exiting");
		k->quit = true;
		avahi_simple_poll_quit(k->sp);
	}
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

int
bus_start(struct kcm *k)
{
	static const DBusObjectPathVTable vt = { .message_function =
						     on_message };
	DBusError e;
	int r;

	dbus_error_init(&e);
	k->bus = dbus_bus_get_private(DBUS_BUS_SESSION, &e);
	if (!k->bus) {
		kcm_log("cannot connect to the D-Bus session bus: %s (is "
			"DBUS_SESSION_BUS_ADDRESS set?)",
		    e.message);
		dbus_error_free(&e);
		return -1;
	}
	dbus_connection_set_exit_on_disconnect(k->bus, FALSE);
	r = dbus_bus_request_name(
	    k->bus, KCM_BUS_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &e);
	if (r != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		kcm_log("cannot own the bus name %s: %s", KCM_BUS_NAME,
		    dbus_error_is_set(&e)
			? e.message
			: "another KCM already runs on this bus");
		dbus_error_free(&e);
		return -1;
	}
	dbus_bus_add_match(k->bus,
	    "type='signal',sender='" DBUS_SERVICE_DBUS "',"
	    "interface='" DBUS_INTERFACE_DBUS "',member='NameOwnerChanged'",
	    NULL);
	if (!dbus_connection_add_filter(k->bus, on_signal, k, NULL) ||
	    !dbus_connection_register_object_path(k->bus, KCM_PATH, &vt, k))
		return -1;
	return loop_bus_attach(k);
}
