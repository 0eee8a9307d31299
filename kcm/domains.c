/* domains.c -- the browse domains the network announces, as Avahi sees
 * them (docs/widearea.md): its domain browser reports resolv.conf's search
 * domains (set by DHCP) and avahi-daemon's browse-domains= (Avahi 0.8 does
 * not follow b._dns-sd._udp records in a unicast domain).  A search or listing given no domain uses the first of
 * them ("local" aside), so a mobile on a site whose network announces its
 * domain needs no --domain. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <avahi-client/lookup.h>
#include "kcm/kcm.h"

#define KCM_MAX_DOMAINS 8

static AvahiDomainBrowser *db;
static char *doms[KCM_MAX_DOMAINS];
static int ndoms;

static void
domain_cb(AvahiDomainBrowser *b, AvahiIfIndex iface, AvahiProtocol proto,
    AvahiBrowserEvent event, const char *domain, AvahiLookupResultFlags flags,
    void *data)
{
	struct kcm *k = data;
	int i;
	(void)iface;
	(void)proto;
	(void)flags;
	switch (event) {
	case AVAHI_BROWSER_NEW:
		if (!strcasecmp(domain, "local") || wide_bad_domain(domain))
			return; /* mDNS is searched anyway; a stranger's junk is not */
		for (i = 0; i < ndoms; i++)
			if (!strcasecmp(doms[i], domain))
				return;
		if (ndoms == KCM_MAX_DOMAINS)
			return;
		doms[ndoms++] = strdup(domain);
		kcm_log("browse: the network announces the browse domain %s",
		    domain);
		search_domain_added(k, domain);
		break;
	case AVAHI_BROWSER_REMOVE:
		for (i = 0; i < ndoms; i++)
			if (!strcasecmp(doms[i], domain)) {
				free(doms[i]);
				doms[i] = doms[--ndoms];
				break;
			}
		break;
	case AVAHI_BROWSER_FAILURE:
		avahi_domain_browser_free(b);
		db = NULL;
		break;
	case AVAHI_BROWSER_ALL_FOR_NOW:
	case AVAHI_BROWSER_CACHE_EXHAUSTED: break;
	}
}

void
domains_start(struct kcm *k)
{
	if (!db && k->avahi)
		db = avahi_domain_browser_new(k->avahi, AVAHI_IF_UNSPEC,
		    AVAHI_PROTO_UNSPEC, NULL, AVAHI_DOMAIN_BROWSER_BROWSE, 0,
		    domain_cb, k);
}

void
domains_lost(struct kcm *k)
{
	(void)k;
	if (db)
		avahi_domain_browser_free(db);
	db = NULL;
}

const char *
domains_first(struct kcm *k)
{
	(void)k;
	return ndoms ? doms[0] : NULL;
}
