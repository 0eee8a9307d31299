/* fetch.h -- use_kimberlize_URL: download a patch with libcurl. */
#ifndef KIM_FETCH_H
#define KIM_FETCH_H

#include <stddef.h>
#include <stdint.h>

/* Fetch url (http/https only) into path, at most max_bytes, within
 * timeout_s.  0 or a KIM_E_URL_* code with a sentence in why; on failure
 * path does not exist. */
int fetch_url(const char *url, const char *path, uint64_t max_bytes,
    int timeout_s, char *why, size_t whylen);

#endif
