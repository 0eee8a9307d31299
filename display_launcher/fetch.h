/* fetch.h -- use_kimberlize_URL: download a patch with libcurl. */
#ifndef KIM_FETCH_H
#define KIM_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct url_net;

/* Fetch url (http/https only) into path, at most max_bytes, within
 * timeout_s, connecting only where urlpolicy.h lets it (allow: the
 * operator's --url-allow networks).  0 or a KIM_E_URL_* code with a
 * sentence in why; on failure path does not exist. */
int
fetch_url(const char *url, const char *path, uint64_t max_bytes, int timeout_s,
    const struct url_net *allow, size_t nallow, char *why, size_t whylen);

#endif
