/* davxml.h -- a WebDAV multistatus answer, parsed with libxml2 by namespace
 * URI (never by prefix), without network access, DTDs or entities
 * (docs/repository.md, "Search").  The answer is hostile: an answer with a
 * DOCTYPE is refused before any entity could be declared or expanded. */
#ifndef KIM_REPO_DAVXML_H
#define KIM_REPO_DAVXML_H

#include <stddef.h>

#define KIM_NS "urn:kimberley:patch"
#define DAV_NS "DAV:"
#define DAV_VALUE_MAX 1024 /* bytes of one property's value kept */

enum dav_ns { NS_OTHER, NS_DAV, NS_KIM };

struct dav_prop {
	enum dav_ns ns;
	char name[64];
	char *value; /* NUL-terminated, at most DAV_VALUE_MAX bytes */
	int status;  /* of its propstat: 200, 404, ... */
};

struct dav_resp {
	char *href;
	struct dav_prop *props;
	size_t nprops;
};

struct dav_ms {
	struct dav_resp *r;
	size_t n;
};

/* 0, or -1 with a sentence in why. */
int dav_parse(
    const char *buf, size_t len, struct dav_ms *ms, char *why, size_t whylen);
void dav_free(struct dav_ms *ms);
/* The value of a property found (status 200), or NULL. */
const char *dav_get(const struct dav_resp *r, enum dav_ns ns, const char *name);

#endif
