/* names.c -- what the display accepts as a file name, VM name and URL. */
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "names.h"

int
kim_check_name(const char *name, size_t len)
{
	if (name == NULL || len == 0)
		return KIM_E_NAME_EMPTY;
	if (len > KIM_NAME_MAX)
		return KIM_E_NAME_TOO_LONG;
	if (memchr(name, '\0', len) != NULL)
		return KIM_E_NAME_NUL;
	if (memchr(name, '/', len) != NULL)
		return KIM_E_NAME_SLASH;
	for (size_t i = 0; i + 1 < len; i++)
		if (name[i] == '.' && name[i + 1] == '.')
			return KIM_E_NAME_DOTDOT;
	/* a leading dot is reserved for the display's own partial files */
	if (name[0] == '.')
		return KIM_E_NAME_BAD;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return KIM_E_NAME_BAD;
	return 0;
}

int
kim_name_copy(char *out, size_t outlen, const char *bytes, size_t len)
{
	int rc = kim_check_name(bytes, len);

	if (rc != 0)
		return rc;
	if (len >= outlen)
		return KIM_E_NAME_TOO_LONG;
	memcpy(out, bytes, len);
	out[len] = '\0';
	return 0;
}

int
kim_check_vmname(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > KIM_VMNAME_MAX)
		return KIM_E_VMNAME_BAD;
	if (strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || name[0] == '.')
		return KIM_E_VMNAME_BAD;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return KIM_E_VMNAME_BAD;
	return 0;
}

int
kim_check_url(const char *url)
{
	size_t len = url ? strlen(url) : 0;
	const char *rest;

	if (len == 0 || len > KIM_PATCH_MAX)
		return KIM_E_URL_BAD;
	if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else
		return KIM_E_URL_BAD;
	if (*rest == '\0' || *rest == '/')
		return KIM_E_URL_BAD;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return KIM_E_URL_BAD;
	return 0;
}

const char *
kim_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}
