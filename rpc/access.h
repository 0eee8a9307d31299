/* access.h -- DESIGN.md step 4: the "access-code" mechanism, a challenge and
 * response over a display's shared access code (HMAC-SHA256), so the code
 * itself never crosses the link:
 *   mobile: auth_step("access-code", "")        display: AUTH_CONTINUE, nonce
 *   mobile: auth_step("access-code", HMAC(code, nonce))   display: 0 or AUTH_FAILED
 * With no mechanism configured, one step ("none") succeeds. */
#ifndef KIM_ACCESS_H
#define KIM_ACCESS_H

#include <stddef.h>

#define KIM_AUTH_MECH   "access-code"
#define KIM_AUTH_NONCE  32
#define KIM_AUTH_MAC    32
#define KIM_AUTH_CODE_MAX 256

/* mac = HMAC-SHA256(code, nonce).  0 or -1. */
int kim_auth_mac(const char *code, const unsigned char *nonce, size_t nonce_len,
    unsigned char mac[KIM_AUTH_MAC]);
/* The first line of path, without its newline, into code.  0 or -1. */
int kim_auth_read_code(const char *path, char *code, size_t len);

#endif
