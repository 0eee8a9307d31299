/* widearea.h -- wide-area DNS-SD publishing (RFC 6763 over unicast DNS):
 * KCM registers its services with the site's DNS server by dynamic update
 * (RFC 2136), signed with a TSIG key, by running nsupdate.  docs/widearea.md. */
#ifndef KCM_WIDEAREA_H
#define KCM_WIDEAREA_H

#include <stdbool.h>

struct kcm;
struct wide_rec;

#define KCM_WIDE_TTL 10	   /* seconds, PTR, SRV and A records */
#define KCM_WIDE_TXT_TTL 5 /* the TXT (busy/free): caches keep it this long */
#define KCM_WIDE_VNC_TTL 1 /* a session's VNC export: a new port each session */
#define KCM_WIDE_NSUPDATE_TIMEOUT 5 /* nsupdate -t: seconds per update (TCP) */
/* nsupdate over UDP ignores -t: -u 1 -r 2 waits 1 s per try, 3 tries, so
 * a server that does not answer costs 3 s (nsupdate's defaults: 12 s). */
#define KCM_WIDE_UDP_WAIT "1"
#define KCM_WIDE_UDP_RETRIES "2"

/* Configure publishing in DOMAIN (NULL or "": off).  server: "ADDR" or
 * "ADDR:PORT" (NULL: nsupdate asks the zone's SOA); key: the TSIG key file
 * (tsig-keygen output, required); host: the label of the SRV target and A
 * record (NULL: this machine's host name).  Returns 0, or -1 after
 * printing what is wrong. */
int wide_config(struct kcm *k, const char *domain, const char *server,
    const char *key, const char *host);
/* The publishing domain, or NULL when wide-area publishing is off. */
const char *wide_domain(struct kcm *k);
/* Make *rp's records on the server say this (adding them, replacing them
 * if the name or port changed, or only the TXT record if only the state
 * did).  Updates run one at a time, in order, without blocking KCM. */
void wide_set(struct kcm *k, struct wide_rec **rp, const char *type,
    const char *name, unsigned port, bool busy);
/* Remove exactly the records *rp added; *rp becomes NULL. */
void wide_drop(struct kcm *k, struct wide_rec **rp);
/* KCM is stopping: finish queued updates and remove every record, waiting
 * (each nsupdate is bounded: 3 s over UDP, KCM_WIDE_NSUPDATE_TIMEOUT TCP). */
void wide_shutdown(struct kcm *k);
/* Check a DNS domain name (labels of letters, digits, '-', '_').  Returns
 * NULL or a sentence. */
const char *wide_bad_domain(const char *d);

#endif
