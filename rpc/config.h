/* config.h -- "key = value" configuration files, shared by both launchers
 * (/etc/kimberley/display.conf, ~/.config/kimberley/mobile.conf).
 * '#' starts a comment; blank lines are ignored; keys are the long option
 * names without "--"; a value may be quoted with "..." to keep spaces. */
#ifndef KIM_CONFIG_H
#define KIM_CONFIG_H

#include <stddef.h>

/* Called for each setting; return 0, or -1 to reject it (the loader then
 * reports file:line and stops). */
typedef int (*kim_config_fn)(void *arg, const char *key, const char *value);

/* Load path.  Returns 0; 1 if the file does not exist (and !required);
 * -1 with a sentence in why (file, line, what is wrong). */
int kim_config_load(const char *path, int required, kim_config_fn fn, void *arg,
    char *why, size_t whylen);

struct option;
/* The getopt_long code of the long option named key (it must take an
 * argument), or -1.  Lets a config file use the command line's names. */
int kim_config_option(const struct option *opts, const char *key);
#endif
