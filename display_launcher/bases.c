/* bases.c -- LIST_BASES: the bases under --vm-dir, by name, kind and
 * identity (base.info, docs/contract.md section 2), so that a mobile can
 * search a repository for the patches that fit this display
 * (docs/repository.md).  Only after authentication; it does not claim the
 * display, so a person choosing a patch does not make the display busy. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errors.h"
#include "kimberley.h"
#include "names.h"
#include "session.h"

/* value of "key=value" in base.info (first line that has it) into out */
static int
info_value(FILE *f, const char *key, char *out, size_t n)
{
	char line[512];
	size_t kl = strlen(key);

	rewind(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
			line[strcspn(line, "\r\n")] = '\0';
			snprintf(out, n, "%s", line + kl + 1);
			return 0;
		}
	return -1;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(
	    ((const base_entry *)a)->name, ((const base_entry *)b)->name);
}

void
session_bases(struct conn *c, bases_res *r)
{
	char path[PATH_MAX], kind[32], id[80];
	base_entry *e;
	struct dirent *de;
	struct stat st;
	DIR *dir;
	FILE *f;

	memset(r, 0, sizeof(*r));
	if (!c->authed) {
		r->status = KIM_E_AUTH_REQUIRED;
		return;
	}
	e = calloc(KIM_BASES_MAX, sizeof(*e));
	if (e == NULL ||
	    (dir = opendir(display_config(c->d)->vm_dir)) == NULL) {
		free(e);
		return; /* no bases: an empty list */
	}
	r->bases.bases_val = e;
	while (
	    (de = readdir(dir)) != NULL && r->bases.bases_len < KIM_BASES_MAX) {
		if (kim_check_vmname(de->d_name) != 0 || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s/base.info",
			display_config(c->d)->vm_dir,
			de->d_name) >= sizeof(path) ||
		    lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    (f = fopen(path, "re")) == NULL)
			continue;
		if (info_value(f, "kind", kind, sizeof(kind)) == 0 &&
		    info_value(f, "identity", id, sizeof(id)) == 0 &&
		    strlen(kind) >= 1 && strlen(kind) < 16 &&
		    strspn(kind, "abcdefghijklmnopqrstuvwxyz") ==
			strlen(kind) &&
		    strlen(id) == 64 && strspn(id, "0123456789abcdef") == 64) {
			base_entry *b = &e[r->bases.bases_len];
			b->name = strdup(de->d_name);
			b->kind = strdup(kind);
			b->identity = strdup(id);
			if (b->name && b->kind && b->identity)
				r->bases.bases_len++;
			else {
				free(b->name);
				free(b->kind);
				free(b->identity);
				memset(b, 0, sizeof(*b));
			}
		}
		fclose(f);
	}
	closedir(dir);
	qsort(e, r->bases.bases_len, sizeof(*e), by_name);
}
