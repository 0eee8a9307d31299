/* be.h -- big-endian fields of on-disk formats (qcow2's header and tables),
 * read and written without alignment assumptions; for scripts/kim_disk.c
 * and scripts/kim_patch_unpack.c. */
#ifndef KIM_BE_H
#define KIM_BE_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t
be32at(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return be32toh(v);
}

static inline uint64_t
be64at(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return be64toh(v);
}

static inline void
be32put(unsigned char *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static inline void
be64put(unsigned char *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

#endif
