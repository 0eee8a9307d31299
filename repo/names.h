/* names.h -- the repository's names: groups, files, versions
 * (docs/repository.md, "Names").  Shared by kim_repo and its CGI. */
#ifndef KIM_REPO_NAMES_H
#define KIM_REPO_NAMES_H

#include <stddef.h>

#define REPO_NAME_MAX 64  /* a group's name */
#define REPO_FILE_MAX 200 /* a file's name in a group's folder */

/* 0 when s[0..n) is 1..64 of [A-Za-z0-9_-], -1 otherwise. */
int repo_group_ok(const char *s, size_t n);
/* 0 when s[0..n) is 1..200 of [A-Za-z0-9._+-], not starting with '.'. */
int repo_file_ok(const char *s, size_t n);

#endif
