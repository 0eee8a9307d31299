/* scratch.h -- a scratch directory for one unit test: made, counted, emptied. */
#ifndef KIM_TEST_SCRATCH_H
#define KIM_TEST_SCRATCH_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* dir (at least 32 bytes) becomes a new empty directory; 0 or -1. */
static inline int
scratch_make(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/kim-unit-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

/* Entries in dir, hidden ones (partial files) included. */
static inline int
scratch_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

/* Remove dir and the files in it; 0 or -1. */
static inline int
scratch_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	return rmdir(dir);
}

#endif
