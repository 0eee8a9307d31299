/* progress.h -- a progress bar on a terminal, plain lines otherwise. */
#ifndef KIM_PROGRESS_H
#define KIM_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

struct progress {
	FILE *out; /* NULL: silent */
	int tty;
	const char *label;
	double start, last;
	int last_decile;
};

void progress_begin(struct progress *p, FILE *out, const char *label);
/* kim_progress_fn-shaped. */
void progress_update(void *p, uint64_t done, uint64_t total);
void progress_end(struct progress *p, uint64_t total, int ok);
/* "12.3 MiB" */
const char *progress_size(uint64_t bytes, char *buf, size_t len);

#endif
