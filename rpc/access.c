/* access.c -- see access.h. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "access.h"

int
kim_auth_mac(const char *code, const unsigned char *nonce, size_t nonce_len,
    unsigned char mac[KIM_AUTH_MAC])
{
	unsigned len = 0;

	return HMAC(EVP_sha256(), code, (int)strlen(code), nonce, nonce_len, mac,
	    &len) && len == KIM_AUTH_MAC ? 0 : -1;
}

int
kim_auth_read_code(const char *path, char *code, size_t len)
{
	FILE *f = fopen(path, "re");
	int rc = -1;

	if (f == NULL)
		return -1;
	if (fgets(code, (int)len, f) != NULL) {
		code[strcspn(code, "\r\n")] = '\0';
		rc = code[0] ? 0 : -1;
	}
	fclose(f);
	return rc;
}
