/* sha1.h -- SHA-1 (FIPS 180-4) for the mint CGI, which is linked
 * statically and without libcrypto so that Apache can run it with no
 * library of the host's (docs/repository.md, "The mint").  Only the
 * signed URLs' check in httpd.conf.in needs SHA-1: Apache's expressions
 * offer sha1() and no HMAC. */
#ifndef KIM_REPO_SHA1_H
#define KIM_REPO_SHA1_H

#include <stddef.h>
#include <stdint.h>

struct sha1 {
	uint32_t h[5];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};

void sha1_init(struct sha1 *s);
void sha1_update(struct sha1 *s, const void *p, size_t n);
void sha1_final(struct sha1 *s, unsigned char out[20]);

#endif
