/* sha256.c -- SHA-256 of files, hex conversion. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sha256.h"

int
kim_sha256_file(const char *path, unsigned char out[KIM_SHA256_BYTES])
{
	int fd, rc, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	rc = kim_sha256_fd(fd, out);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

int
kim_sha256_fd(int fd, unsigned char out[KIM_SHA256_BYTES])
{
	static const size_t bufsz = 1 << 20;
	unsigned char *buf;
	EVP_MD_CTX *md;
	ssize_t n = 0;
	off_t off = 0;
	int rc = -1;

	buf = OPENSSL_malloc(bufsz);
	md = EVP_MD_CTX_new();
	if (buf == NULL || md == NULL ||
	    !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		goto out;
	while ((n = pread(fd, buf, bufsz, off)) > 0) {
		EVP_DigestUpdate(md, buf, (size_t)n);
		off += n;
	}
	if (n == 0 && EVP_DigestFinal_ex(md, out, NULL))
		rc = 0;
out:
	n = errno;
	EVP_MD_CTX_free(md);
	OPENSSL_free(buf);
	errno = (int)n;
	return rc;
}

void
kim_sha256_hex(
    const unsigned char in[KIM_SHA256_BYTES], char out[KIM_SHA256_HEX])
{
	for (int i = 0; i < KIM_SHA256_BYTES; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

int
kim_sha256_unhex(const char *hex, unsigned char out[KIM_SHA256_BYTES])
{
	if (strlen(hex) != 2 * KIM_SHA256_BYTES)
		return -1;
	for (int i = 0; i < KIM_SHA256_BYTES; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}
