/* privdrop.c -- give up root for good (privdrop.h): display_launcher's
 * unprivileged child and KCM (docs/design.md section 7.1). */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privdrop.h"

#if defined(__SANITIZE_ADDRESS__)
#define KIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KIM_ASAN 1
#endif
#endif

/* The value of "Key:\t<hex>" in /proc/self/status, or -1. */
static long long
status_field(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtoll(line + n + 1, NULL, 16);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

int
priv_drop(uid_t uid, gid_t gid, char *why, size_t whylen)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct none[2];
	static const char *const sets[] = { "CapInh", "CapPrm", "CapEff",
		"CapBnd", "CapAmb" };
	uid_t ru, eu, su;
	int was_root = getuid() == 0;

	if (was_root && uid != 0) {
		/* the bounding set needs CAP_SETPCAP: before the uid goes */
		for (int cap = 0; cap <= 63; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
			    errno != EINVAL) {
				snprintf(why, whylen,
				    "cannot drop capability %d from "
				    "the bounding set: %s",
				    cap, strerror(errno));
				return -1;
			}
		if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
		    setresuid(uid, uid, uid) != 0) {
			snprintf(why, whylen, "cannot become uid %u gid %u: %s",
			    (unsigned)uid, (unsigned)gid, strerror(errno));
			return -1;
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(none, 0, sizeof(none));
	if (syscall(SYS_capset, &h, none) != 0 && uid != getuid()) {
		snprintf(why, whylen, "cannot clear capabilities: %s",
		    strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(why, whylen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	/* trust nothing: read back what the kernel says */
	if (getresuid(&ru, &eu, &su) != 0 || ru != uid || eu != uid ||
	    su != uid || getgid() != gid || getegid() != gid) {
		snprintf(why, whylen, "still not uid %u gid %u after dropping",
		    (unsigned)uid, (unsigned)gid);
		return -1;
	}
	if (uid == 0)
		return 0; /* a developer run as root with --user root */
	if (setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(why, whylen, "root could be regained after dropping");
		return -1;
	}
#ifdef KIM_ASAN
	/* LeakSanitizer stops the world with ptrace, which a process made
	 * non-dumpable by the uid change refuses: a sanitizer build (make
	 * asan-check) keeps the child dumpable.  Never in a normal build. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		if ((was_root || strcmp(sets[i], "CapBnd") != 0) &&
		    status_field(sets[i]) != 0) {
			snprintf(why, whylen,
			    "%s is %llx after dropping, not 0", sets[i],
			    status_field(sets[i]));
			return -1;
		}
	return 0;
}
