/* kcmctl.c -- call KCM from a shell (operators, tests).
 *
 *   kcmctl sense
 *   kcmctl identity
 *   kcmctl publish [--vnc] [-i IFINDEX] [--hold] NAME PORT   prints the name got
 *   kcmctl browse  [--vnc] [-i IFINDEX] [-t MS] [--domain DOMAIN] [--hold] [NAME]
 *                                               prints "PORT NAME"
 *   kcmctl unpublish [--vnc] NAME
 *   kcmctl busy NAME yes|no                     the TXT state (set_busy)
 *   kcmctl list [--vnc] [-i IFINDEX] [-t MS] [--domain DOMAIN]
 *                                 prints "NAME<TAB>free|busy<TAB>DOMAIN" lines
 *
 * KCM ties publications and tunnels to the caller's bus connection, so
 * --hold keeps kcmctl (and them) alive until it gets SIGTERM or SIGINT. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kcm/kcm_client.h"

static void
usage(int help)
{
	FILE *f = help ? stdout : stderr;

	if (help)
		fprintf(f,
		    "kcmctl -- ask KCM (the Kimberley Control Manager, kcm(8)) "
		    "by hand: what it\n"
		    "senses, its identity, publish, browse, list displays, mark one "
		    "busy.\n\n");
	fprintf(f,
	    "usage: kcmctl sense | identity\n"
	    "       kcmctl publish [--vnc] [-i IFINDEX] [--hold] NAME PORT\n"
	    "       kcmctl browse [--vnc] [-i IFINDEX] [-t MS] [--domain DOMAIN] [--hold] [NAME]\n"
	    "       kcmctl unpublish [--vnc] NAME\n"
	    "       kcmctl busy NAME yes|no\n"
	    "       kcmctl list [--vnc] [-i IFINDEX] [-t MS] [--domain DOMAIN]\n"
	    "       kcmctl --help | --version\n");
	exit(help ? 0 : 2);
}

static void
hold(void)
{
	sigset_t ss;
	int sig;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	sigwait(&ss, &sig);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = { { "vnc", no_argument, NULL, 'v' },
		{ "hold", no_argument, NULL, 'H' },
		{ "interface", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "domain", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 } };
	int vnc = 0, do_hold = 0, ifindex = -1, c;
	unsigned timeout = 8000, port;
	char *err = NULL, *out = NULL;
	const char *cmd, *domain = NULL;
	DBusConnection *bus;

	if (argc < 2)
		usage(0);
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		usage(1);
	if (strcmp(cmd, "--version") == 0) {
		printf("kcmctl (Kimberley) %s\n", KIM_VERSION);
		return 0;
	}
	/* an unknown command is a usage error, found before asking KCM */
	{
		static const char *const cmds[] = { "sense", "identity",
			"publish", "unpublish", "browse", "list", "busy" };
		size_t i;
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (strcmp(cmd, cmds[i]) == 0)
				break;
		if (i == sizeof(cmds) / sizeof(cmds[0]))
			usage(0);
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "vHi:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'v': vnc = 1; break;
		case 'H': do_hold = 1; break;
		case 'i': ifindex = atoi(optarg); break;
		case 't': timeout = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'D': domain = optarg; break;
		default: usage(0);
		}
	}
	if (!(bus = kcm_connect(&err)))
		goto fail;
	if (!strcmp(cmd, "sense") && optind == argc) {
		char **names;
		if (kcm_sense(bus, &names, &err) < 0)
			goto fail;
		for (c = 0; names[c]; c++)
			puts(names[c]);
	} else if (!strcmp(cmd, "identity") && optind == argc) {
		if (kcm_identity(bus, &out, &err) < 0)
			goto fail;
		puts(out);
	} else if (!strcmp(cmd, "publish") && optind + 2 == argc) {
		if (kcm_publish(bus, vnc ? "publish_vnc" : "publish",
			argv[optind], ifindex,
			(unsigned)strtoul(argv[optind + 1], NULL, 10), &out,
			&err) < 0)
			goto fail;
		puts(out);
	} else if (!strcmp(cmd, "unpublish") && optind + 1 == argc) {
		if (kcm_unpublish(bus, vnc ? "unpublish_vnc" : "unpublish",
			argv[optind], &err) < 0)
			goto fail;
	} else if (!strcmp(cmd, "browse") && optind + 1 >= argc) {
		if (kcm_find_in(bus, vnc ? "vnc" : "launcher",
			optind < argc ? argv[optind] : "", ifindex, timeout,
			domain, &port, &out, &err) < 0)
			goto fail;
		printf("%u %s\n", port, out);
	} else if (!strcmp(cmd, "list") && optind == argc) {
		struct kcm_listed *l;
		int n;
		if (kcm_list(bus, vnc ? "vnc" : "launcher", ifindex, timeout,
			domain, &l, &n, &err) < 0)
			goto fail;
		for (c = 0; c < n; c++) {
			for (char *p = l[c].name; *p;
			     p++) /* names from the network */
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					*p = '?';
			printf("%s\t%s\t%s\n", l[c].name,
			    *l[c].state ? l[c].state : "-", l[c].domain);
		}
		kcm_list_free(l, n);
	} else if (!strcmp(cmd, "busy") && optind + 2 == argc &&
	    (!strcmp(argv[optind + 1], "yes") ||
		!strcmp(argv[optind + 1], "no"))) {
		if (kcm_set_busy(bus, argv[optind],
			!strcmp(argv[optind + 1], "yes"), &err) < 0)
			goto fail;
	} else
		usage(0);
	fflush(stdout);
	if (do_hold)
		hold();
	return 0;
fail:
	fprintf(stderr, "kcmctl: %s: %s\n", cmd, err ? err : "failed");
	return 1;
}
