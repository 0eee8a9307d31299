/* names.c -- the repository's names (names.h). */
#include <string.h>

#include "repo/names.h"

static int
only(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return -1;
	return 0;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

int
repo_group_ok(const char *s, size_t n)
{
	return n >= 1 && n <= REPO_NAME_MAX ? only(s, n, ALNUM "_-") : -1;
}

int
repo_file_ok(const char *s, size_t n)
{
	if (n < 1 || n > REPO_FILE_MAX || s[0] == '.')
		return -1;
	return only(s, n, ALNUM "._+-");
}
