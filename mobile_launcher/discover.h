/* discover.h -- docs/design.md steps 3 and 9: the mobile launcher asks KCM (over
 * D-Bus) to find a display and the session's VNC export; KCM returns a
 * loopback port that tunnels (TLS) to the display.  Implemented in
 * discover.c on top of kcm/kcm_client.h. */
#ifndef KIM_DISCOVER_H
#define KIM_DISCOVER_H

#include <stddef.h>

/* Find the launcher service.  name NULL: the only display in range (an error
 * listing the names when there are several).  ifindex < 0: any interface.
 * On success *port is a loopback port and *found_name the display's name
 * (malloc'd).  On failure returns -1 and *err is a malloc'd sentence. */
int discover_display(const char *name, int ifindex, double timeout_s,
    unsigned *port, char **found_name, char **err);
/* Find the VNC export of display_name, retrying for up to timeout_s. */
int discover_vnc(const char *display_name, int ifindex, double timeout_s,
    unsigned *port, char **err);
/* Also look for displays in this wide-area DNS-SD domain (unicast DNS,
 * docs/widearea.md); NULL: mDNS only.  Applies to the calls after it. */
void discover_set_domain(const char *domain);
/* The listing: "'A' (free), 'B' (busy)" -- every display in range (mDNS,
 * and the domain if set) with its state; *count how many.  Names are
 * shown with control characters as '?'.  Returns 0, or -1 with *err. */
int discover_list(double timeout_s, char **text, int *count, char **err);
/* Network interface names KCM sees (for the USB offer).  *names is a
 * malloc'd NULL-terminated array of malloc'd strings. */
int discover_sense(char ***names, char **err);

#endif
