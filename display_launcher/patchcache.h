/* patchcache.h -- the display's cache of patches fetched by URL, keyed by
 * the SHA-256 the mobile pinned (URL#sha256=HEX), with a size cap and
 * least-recently-used eviction (docs/repository.md, "The display's
 * cache").  Off unless --patch-cache DIR is given. */
#ifndef KIM_PATCHCACHE_H
#define KIM_PATCHCACHE_H

#include <stdint.h>

#include "sha256.h"

/* Use the directory open as dirfd (made and checked by spool_open for the
 * RPC side's user) for at most cap bytes.  0, or -1 with errno. */
int patchcache_init_fd(int dirfd, uint64_t cap);
/* A hit: path (which must not exist) becomes the patch whose SHA-256 is
 * sha, hashed again before use; 1.  A miss (or no cache): 0. */
int patchcache_get(const unsigned char sha[KIM_SHA256_BYTES], const char *path);
/* Keep path's bytes (already verified to hash to sha), then evict the
 * least recently used patches until the cache fits its cap.  Best effort:
 * a failure is logged and costs a download later, nothing else. */
void
patchcache_put(const unsigned char sha[KIM_SHA256_BYTES], const char *path);

#endif
