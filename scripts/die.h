/* die.h -- how a scripts/ helper program stops on a usage or system error:
 * "PROG: message" on stderr and exit status 2 (a refused patch is exit 1
 * with the contract's status line: docs/contract.md).  Define PROG before
 * including; for scripts/kim_disk.c and scripts/kim_patch_unpack.c. */
#ifndef KIM_DIE_H
#define KIM_DIE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static inline void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static inline void
die(const char *fmt, ...)
{
	va_list ap;
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

#endif
