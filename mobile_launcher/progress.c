/* progress.c -- see progress.h. */
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

const char *
progress_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes < 1024)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else if (bytes < (1 << 20))
		snprintf(buf, len, "%.1f KiB", bytes / 1024.0);
	else if (bytes < ((uint64_t)1 << 30))
		snprintf(buf, len, "%.1f MiB", bytes / 1048576.0);
	else
		snprintf(buf, len, "%.2f GiB", bytes / 1073741824.0);
	return buf;
}

void
progress_begin(struct progress *p, FILE *out, const char *label)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->tty = out && isatty(fileno(out));
	p->label = label;
	p->start = p->last = kim_now();
	p->last_decile = -1;
}

void
progress_update(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;
	double now = kim_now(), secs = now - p->start;
	double rate = secs > 0 ? done / secs / 1048576.0 : 0;
	int pct = total ? (int)(done * 100 / total) : 100;
	char a[32], b[32];

	if (p->out == NULL)
		return;
	if (p->tty) {
		if (now - p->last < 0.1 && done < total)
			return;
		int fill = pct / 5;
		fprintf(p->out,
		    "\r  %-24.24s [%.*s%*s] %3d%%  %s / %s  %.1f MiB/s ",
		    p->label, fill, "####################", 20 - fill, "", pct,
		    progress_size(done, a, sizeof(a)),
		    progress_size(total, b, sizeof(b)), rate);
		fflush(p->out);
	} else {
		int decile = pct / 25;
		if (decile == p->last_decile)
			return;
		p->last_decile = decile;
		fprintf(p->out, "  %s: %d%% (%s of %s)\n", p->label, pct,
		    progress_size(done, a, sizeof(a)),
		    progress_size(total, b, sizeof(b)));
	}
	p->last = now;
}

void
progress_end(struct progress *p, uint64_t total, int ok)
{
	double secs = kim_now() - p->start;
	char a[32];

	if (p->out == NULL)
		return;
	if (p->tty)
		fputc('\n', p->out);
	if (ok)
		fprintf(p->out, "  %s: %s in %.2f s (%.1f MiB/s)\n", p->label,
		    progress_size(total, a, sizeof(a)), secs,
		    secs > 0 ? total / secs / 1048576.0 : 0.0);
	fflush(p->out);
}
