/* errors.c -- code <-> name <-> sentence, one table for both launchers. */
#include <string.h>

#include "errors.h"
#include "kimberley.h"

struct kim_error_entry {
	int code;
	const char *name;
	const char *text;
};

static const struct kim_error_entry table[] = {
#define KIM_X_ENTRY(sym, code, text) { (code), #sym, (text) },
	KIM_ERROR_TABLE(KIM_X_ENTRY)
#undef KIM_X_ENTRY
};

static const struct kim_error_entry *
lookup(int code)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].code == code)
			return &table[i];
	return NULL;
}

const char *
kim_strerror(int code)
{
	const struct kim_error_entry *e = lookup(code);

	return e ? e->text : "unknown error from the display";
}

const char *
kim_error_name(int code)
{
	const struct kim_error_entry *e = lookup(code);

	return e ? e->name : NULL;
}

int
kim_error_by_name(const char *name)
{
	if (strncmp(name, "KIM_E_", 6) == 0)
		name += 6;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].code;
	return KIM_E_INTERNAL;
}
