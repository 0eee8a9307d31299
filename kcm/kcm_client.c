/* kcm_client.c -- the launchers' side of KCM's D-Bus interface. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kcm/kcm_client.h"

#define KCM_BUS_NAME "org.kimberley.KCM"
#define KCM_PATH "/org/kimberley/KCM"
#define KCM_IFACE "org.kimberley.KCM"

static _Thread_local char last_error[128];

const char *
kcm_last_error(void)
{
	return last_error;
}

static void
set_err(char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
}

DBusConnection *
kcm_connect(char **err)
{
	DBusError e;
	DBusConnection *c;
	dbus_threads_init_default();
	dbus_error_init(&e);
	c = dbus_bus_get_private(DBUS_BUS_SESSION, &e);
	if (!c) {
		set_err(err, "cannot reach KCM: no D-Bus session bus (%s)",
		    e.message);
		dbus_error_free(&e);
		return NULL;
	}
	dbus_connection_set_exit_on_disconnect(c, FALSE);
	return c;
}

/* Call KCM; returns the reply (to unref) or NULL with *err set. */
static DBusMessage *
call(DBusConnection *c, int timeout_ms, char **err, const char *method,
    int first, ...)
{
	DBusMessage *m = dbus_message_new_method_call(
	    KCM_BUS_NAME, KCM_PATH, KCM_IFACE, method);
	DBusMessage *r;
	DBusError e;
	va_list ap;

	last_error[0] = '\0';
	if (!m) {
		set_err(err, "out of memory");
		return NULL;
	}
	va_start(ap, first);
	dbus_message_append_args_valist(m, first, ap);
	va_end(ap);
	dbus_error_init(&e);
	r = dbus_connection_send_with_reply_and_block(c, m, timeout_ms, &e);
	dbus_message_unref(m);
	if (r)
		return r;
	snprintf(last_error, sizeof last_error, "%s", e.name ? e.name : "");
	if (dbus_error_has_name(&e, DBUS_ERROR_SERVICE_UNKNOWN) ||
	    dbus_error_has_name(
		&e, "org.freedesktop.DBus.Error.Spawn.ExecFailed") ||
	    dbus_error_has_name(
		&e, "org.freedesktop.DBus.Error.Spawn.ChildExited"))
		set_err(err,
		    "KCM could not be started on the session bus (is kcm installed "
		    "with its D-Bus service file?): %s",
		    e.message);
	else if (dbus_error_has_name(&e, DBUS_ERROR_NO_REPLY) ||
	    dbus_error_has_name(&e, DBUS_ERROR_TIMEOUT))
		set_err(err, "KCM did not answer %s in time", method);
	else
		set_err(err, "%s", e.message);
	dbus_error_free(&e);
	return NULL;
}

int
kcm_publish(DBusConnection *c, const char *method, const char *name,
    int ifindex, unsigned port, char **real, char **err)
{
	dbus_int32_t i = ifindex;
	dbus_uint32_t p = port;
	const char *got;
	DBusMessage *r = call(c, 30000, err, method, DBUS_TYPE_STRING, &name,
	    DBUS_TYPE_INT32, &i, DBUS_TYPE_UINT32, &p, DBUS_TYPE_INVALID);
	if (!r)
		return -1;
	if (!dbus_message_get_args(
		r, NULL, DBUS_TYPE_STRING, &got, DBUS_TYPE_INVALID)) {
		dbus_message_unref(r);
		set_err(err, "KCM gave a malformed answer to %s", method);
		return -1;
	}
	if (real)
		*real = strdup(got);
	dbus_message_unref(r);
	return 0;
}

int
kcm_unpublish(
    DBusConnection *c, const char *method, const char *name, char **err)
{
	DBusMessage *r = call(
	    c, 10000, err, method, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
	if (!r)
		return -1;
	dbus_message_unref(r);
	return 0;
}

int
kcm_find(DBusConnection *c, const char *kind, const char *name, int ifindex,
    unsigned timeout_ms, unsigned *port, char **found, char **err)
{
	return kcm_find_in(
	    c, kind, name, ifindex, timeout_ms, NULL, port, found, err);
}

int
kcm_set_busy(DBusConnection *c, const char *name, int busy, char **err)
{
	dbus_bool_t b = busy ? TRUE : FALSE;
	DBusMessage *r = call(c, 10000, err, "set_busy", DBUS_TYPE_STRING,
	    &name, DBUS_TYPE_BOOLEAN, &b, DBUS_TYPE_INVALID);
	if (!r)
		return -1;
	dbus_message_unref(r);
	return 0;
}

int
kcm_find_in(DBusConnection *c, const char *kind, const char *name, int ifindex,
    unsigned timeout_ms, const char *domain, unsigned *port, char **found,
    char **err)
{
	dbus_int32_t i = ifindex;
	dbus_uint32_t t = timeout_ms, p;
	const char *n = name ? name : "", *got;
	DBusMessage *r = domain && *domain
	    ? call(c, (int)timeout_ms + 15000, err, "find_in", DBUS_TYPE_STRING,
		  &kind, DBUS_TYPE_STRING, &n, DBUS_TYPE_INT32, &i,
		  DBUS_TYPE_UINT32, &t, DBUS_TYPE_STRING, &domain,
		  DBUS_TYPE_INVALID)
	    : call(c, (int)timeout_ms + 15000, err, "find", DBUS_TYPE_STRING,
		  &kind, DBUS_TYPE_STRING, &n, DBUS_TYPE_INT32, &i,
		  DBUS_TYPE_UINT32, &t, DBUS_TYPE_INVALID);
	if (!r)
		return -1;
	if (!dbus_message_get_args(r, NULL, DBUS_TYPE_UINT32, &p,
		DBUS_TYPE_STRING, &got, DBUS_TYPE_INVALID)) {
		dbus_message_unref(r);
		set_err(err, "KCM gave a malformed answer to find");
		return -1;
	}
	*port = p;
	if (found)
		*found = strdup(got);
	dbus_message_unref(r);
	return 0;
}

int
kcm_sense(DBusConnection *c, char ***names, char **err)
{
	char **arr;
	int n, j;
	DBusMessage *r = call(c, 10000, err, "sense", DBUS_TYPE_INVALID);
	if (!r)
		return -1;
	if (!dbus_message_get_args(r, NULL, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING,
		&arr, &n, DBUS_TYPE_INVALID)) {
		dbus_message_unref(r);
		set_err(err, "KCM gave a malformed answer to sense");
		return -1;
	}
	*names = calloc((size_t)n + 1, sizeof **names);
	for (j = 0; j < n && *names; j++)
		(*names)[j] = strdup(arr[j]);
	dbus_free_string_array(arr);
	dbus_message_unref(r);
	return *names ? 0 : -1;
}

int
kcm_identity(DBusConnection *c, char **fingerprint, char **err)
{
	const char *fp;
	DBusMessage *r = call(c, 10000, err, "identity", DBUS_TYPE_INVALID);
	if (!r)
		return -1;
	if (!dbus_message_get_args(
		r, NULL, DBUS_TYPE_STRING, &fp, DBUS_TYPE_INVALID)) {
		dbus_message_unref(r);
		set_err(err, "KCM gave a malformed answer to identity");
		return -1;
	}
	*fingerprint = strdup(fp);
	dbus_message_unref(r);
	return 0;
}

int
kcm_list(DBusConnection *c, const char *kind, int ifindex, unsigned timeout_ms,
    const char *domain, struct kcm_listed **out, int *n, char **err)
{
	dbus_int32_t i = ifindex;
	dbus_uint32_t t = timeout_ms;
	const char *d = domain ? domain : "";
	DBusMessageIter it, arr, st;
	DBusMessage *r = call(c, (int)timeout_ms + 15000, err, "list",
	    DBUS_TYPE_STRING, &kind, DBUS_TYPE_INT32, &i, DBUS_TYPE_UINT32, &t,
	    DBUS_TYPE_STRING, &d, DBUS_TYPE_INVALID);
	int cap = 0;
	*out = NULL;
	*n = 0;
	if (!r)
		return -1;
	if (!dbus_message_iter_init(r, &it) ||
	    strcmp(dbus_message_get_signature(r), "a(sss)") != 0) {
		dbus_message_unref(r);
		set_err(err, "KCM gave a malformed answer to list");
		return -1;
	}
	dbus_message_iter_recurse(&it, &arr);
	while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
		const char *f[3];
		int j;
		dbus_message_iter_recurse(&arr, &st);
		for (j = 0; j < 3; j++) {
			dbus_message_iter_get_basic(&st, &f[j]);
			dbus_message_iter_next(&st);
		}
		if (*n == cap) {
			struct kcm_listed *g = realloc(
			    *out, sizeof **out * (size_t)(cap = cap * 2 + 4));
			if (!g)
				break;
			*out = g;
		}
		(*out)[*n].name = strdup(f[0]);
		(*out)[*n].state = strdup(f[1]);
		(*out)[*n].domain = strdup(f[2]);
		(*n)++;
		dbus_message_iter_next(&arr);
	}
	dbus_message_unref(r);
	return 0;
}

void
kcm_list_free(struct kcm_listed *l, int n)
{
	int i;
	for (i = 0; i < n; i++) {
		free(l[i].name);
		free(l[i].state);
		free(l[i].domain);
	}
	free(l);
}
