/* config.c -- see config.h. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
kim_config_load(const char *path, int required, kim_config_fn fn, void *arg,
    char *why, size_t whylen)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;

	if (f == NULL) {
		if (errno == ENOENT && !required)
			return 1;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		char *key, *value, *eq, *hash;
		lineno++;
		/* a '#' outside quotes starts a comment */
		int quoted = 0;
		for (hash = line; *hash; hash++) {
			if (*hash == '"')
				quoted = !quoted;
			else if (*hash == '#' && !quoted)
				break;
		}
		*hash = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(why, whylen, "%s:%d: expected 'key = value'",
			    path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		size_t vl = strlen(value);
		if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
			value[vl - 1] = '\0';
			value++;
		}
		if (fn(arg, key, value) != 0) {
			snprintf(why, whylen, "%s:%d: bad setting '%s = %s'",
			    path, lineno, key, value);
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

int
kim_config_option(const struct option *opts, const char *key)
{
	for (; opts->name; opts++)
		if (strcmp(opts->name, key) == 0 &&
		    opts->has_arg == required_argument)
			return opts->val;
	return -1;
}
