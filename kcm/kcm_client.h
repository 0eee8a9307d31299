/* kcm_client.h -- calling KCM over D-Bus (libdbus), for the launchers and
 * kcmctl.  Every function returns 0, or -1 with *err a malloc'd sentence. */
#ifndef KCM_CLIENT_H
#define KCM_CLIENT_H

#include <dbus/dbus.h>

/* A private connection to the session bus: publications and tunnels KCM
 * makes for a caller last as long as the caller's connection. */
DBusConnection *kcm_connect(char **err);
/* method: "publish" or "publish_vnc"; *real: the name registered (malloc'd). */
int kcm_publish(DBusConnection *c, const char *method, const char *name,
    int ifindex, unsigned port, char **real, char **err);
/* method: "unpublish" or "unpublish_vnc". */
int kcm_unpublish(
    DBusConnection *c, const char *method, const char *name, char **err);
/* kind: "launcher" or "vnc"; name NULL or "": the only one in range. */
int kcm_find(DBusConnection *c, const char *kind, const char *name, int ifindex,
    unsigned timeout_ms, unsigned *port, char **found, char **err);
/* kcm_find, also looking in the wide-area DNS-SD domain (NULL or "": mDNS
 * only, as kcm_find). */
int kcm_find_in(DBusConnection *c, const char *kind, const char *name,
    int ifindex, unsigned timeout_ms, const char *domain, unsigned *port,
    char **found, char **err);
/* The launcher service's TXT state (busy or free) for a published name. */
int kcm_set_busy(DBusConnection *c, const char *name, int busy, char **err);
/* The listing (KCM list): *out a malloc'd array of *n entries (free with
 * kcm_list_free).  domain NULL or "": mDNS only. */
struct kcm_listed {
	char *name, *state, *domain;
};
int
kcm_list(DBusConnection *c, const char *kind, int ifindex, unsigned timeout_ms,
    const char *domain, struct kcm_listed **out, int *n, char **err);
void kcm_list_free(struct kcm_listed *l, int n);
int kcm_sense(DBusConnection *c, char ***names, char **err);
int kcm_identity(DBusConnection *c, char **fingerprint, char **err);
/* The D-Bus error name of the last failed call on this thread ("" if none). */
const char *kcm_last_error(void);

#endif
