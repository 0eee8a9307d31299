/* sha256.h -- the end-to-end file checksum (OpenSSL EVP). */
#ifndef KIM_SHA256_H
#define KIM_SHA256_H

#include <stddef.h>

#define KIM_SHA256_BYTES 32
#define KIM_SHA256_HEX 65 /* 64 hex digits + NUL */

/* 0, or -1 with errno set. */
int kim_sha256_file(const char *path, unsigned char out[KIM_SHA256_BYTES]);
/* The same for an open file, read from offset 0 with pread (the file
 * offset is left alone). */
int kim_sha256_fd(int fd, unsigned char out[KIM_SHA256_BYTES]);
void kim_sha256_hex(
    const unsigned char in[KIM_SHA256_BYTES], char out[KIM_SHA256_HEX]);
/* 0 when hex is exactly 64 hex digits, -1 otherwise. */
int kim_sha256_unhex(const char *hex, unsigned char out[KIM_SHA256_BYTES]);

#endif
