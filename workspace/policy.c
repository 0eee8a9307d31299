/* policy.c -- parse the region policy: one rule per line, "<region> <path>". */
#include "policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum ws_region region;
} names[] = {
	{ "system", WS_SYSTEM },
	{ "proc", WS_PROC },
	{ "dev", WS_DEV },
	{ "persistent", WS_PERSISTENT },
	{ "overlay", WS_OVERLAY },
};

const char *
ws_region_name(enum ws_region r)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].region == r)
			return names[i].name;
	return "?";
}

/* An absolute path without "." or ".." components, "//", or option-breaking bytes. */
static int
path_ok(const char *p)
{
	if (p[0] != '/' || strlen(p) >= 1024)
		return 0;
	if (strpbrk(p, ",:\\") != NULL)
		return 0;
	for (const char *c = p; *c; c++) {
		if (c[0] == '/' &&
		    (c[1] == '/' ||
			(c[1] == '.' &&
			    (c[2] == '/' || c[2] == 0 ||
				(c[2] == '.' && (c[3] == '/' || c[3] == 0))))))
			return 0;
		if ((unsigned char)*c < 0x20)
			return 0;
	}
	return 1;
}

int
ws_policy_load(const char *file, struct ws_policy *p, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	char line[2048];
	unsigned lineno = 0;

	p->rules = NULL;
	p->n = 0;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *hash, *region, *path, *extra, *save = NULL;
		size_t i;

		lineno++;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = 0;
		region = strtok_r(line, " \t\r\n", &save);
		if (region == NULL)
			continue;
		path = strtok_r(NULL, " \t\r\n", &save);
		extra = strtok_r(NULL, " \t\r\n", &save);
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strcmp(region, names[i].name) == 0)
				break;
		if (i == sizeof names / sizeof names[0]) {
			snprintf(err, errlen,
			    "%s:%u: unknown region '%s' (system, proc, dev, persistent, overlay)",
			    file, lineno, region);
			goto fail;
		}
		if (path == NULL || extra != NULL || !path_ok(path) ||
		    strcmp(path, "/") == 0) {
			snprintf(err, errlen,
			    "%s:%u: expected '<region> <absolute path>' (no '..', ',', ':', not '/')",
			    file, lineno);
			goto fail;
		}
		if (p->n == WS_POLICY_MAX_RULES) {
			snprintf(err, errlen, "%s:%u: more than %d rules", file,
			    lineno, WS_POLICY_MAX_RULES);
			goto fail;
		}
		for (size_t k = 0; k < p->n; k++)
			if (strcmp(p->rules[k].path, path) == 0) {
				snprintf(err, errlen, "%s:%u: %s named twice",
				    file, lineno, path);
				goto fail;
			}
		struct ws_rule *r = realloc(p->rules, (p->n + 1) * sizeof *r);
		if (r == NULL || (path = strdup(path)) == NULL) {
			if (r != NULL)
				p->rules = r;
			snprintf(err, errlen, "%s: out of memory", file);
			goto fail;
		}
		p->rules = r;
		p->rules[p->n].region = names[i].region;
		p->rules[p->n].path = path;
		p->n++;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", file);
		goto fail;
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	ws_policy_free(p);
	return -1;
}

void
ws_policy_free(struct ws_policy *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->rules[i].path);
	free(p->rules);
	p->rules = NULL;
	p->n = 0;
}
