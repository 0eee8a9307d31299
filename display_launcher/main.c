/* main.c -- display_launcher: options, start-up, and the wait for a signal.
 * DESIGN.md steps 1, 2 and 12 happen here; the rest in session.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "errors.h"
#include "log.h"
#include "publish.h"
#include "server.h"
#include "session.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: display_launcher [options] [\"display name\"]\n"
"Serve Kimberley sessions on this display, one person at a time.\n"
"\n"
"  -l, --listen ADDR:PORT    direct link: listen there instead of publishing\n"
"                            through KCM (UNENCRYPTED; port 0 = any free port)\n"
"      --port-file FILE      write the RPC port to FILE once listening\n"
"      --spool DIR           where received files go (default /tmp/kimberley)\n"
"      --vm-dir DIR          base VMs live in DIR/<vm_name>/\n"
"                            (default /var/lib/kimberley/vms)\n"
"      --setup-script PATH   the display's setup script (default: display_setup)\n"
"      --x-display DISPLAY   the display's X screen (default :0)\n"
"      --accel ACCEL         QEMU accelerator: kvm or tcg (default tcg)\n"
"      --key-file FILE       key for encrypted patches\n"
"      --usb-if NAME         the USB-network interface (default usb0)\n"
"      --max-file-size MiB   largest file accepted (default 8192)\n"
"      --resume-timeout S    seconds for the app to come up (default 180)\n"
"      --end-timeout S       seconds for the end of a session (default 120)\n"
"      --idle-timeout S      drop a client silent this long (default 90)\n"
"      --url-timeout S       seconds for a patch download (default 120)\n"
"      --log FILE            complete log (default: syslog)\n"
"  -v, --verbose             copy the log to stderr\n"
"  -h, --help                this help\n");
}

static const char *
default_setup_script(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX - 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/../scripts/display_setup", exe);
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	return KIM_LIBEXECDIR "/display_setup";
}

static int
parse_listen(const char *arg, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(arg, ':');
	char *end;
	long port;

	if (colon == NULL || (size_t)(colon - arg) >= sizeof(host))
		return -1;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int
positive(const char *opt, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end || v <= 0 || v > 1000000) {
		fprintf(stderr, "display_launcher: %s wants a positive number, not '%s'\n",
		    opt, arg);
		exit(2);
	}
	return (int)v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "spool", required_argument, NULL, 'S' },
		{ "vm-dir", required_argument, NULL, 'V' },
		{ "setup-script", required_argument, NULL, 's' },
		{ "x-display", required_argument, NULL, 'x' },
		{ "accel", required_argument, NULL, 'A' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "usb-if", required_argument, NULL, 'u' },
		{ "max-file-size", required_argument, NULL, 'M' },
		{ "resume-timeout", required_argument, NULL, 'R' },
		{ "end-timeout", required_argument, NULL, 'E' },
		{ "idle-timeout", required_argument, NULL, 'I' },
		{ "url-timeout", required_argument, NULL, 'U' },
		{ "log", required_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct display_config cfg = {
		.name = "Kimberley display",
		.spool = "/tmp/kimberley",
		.vm_dir = "/var/lib/kimberley/vms",
		.x_display = ":0",
		.accel = "tcg",
		.usb_if = "usb0",
		.max_file = (uint64_t)8192 << 20,
		.resume_timeout = 180,
		.end_timeout = 120,
		.idle_timeout = 90,
		.url_timeout = 120,
		.log_fd = -1,
	};
	struct sockaddr_in addr;
	const char *listen_arg = NULL, *port_file = NULL, *log_file = NULL;
	struct display d;
	struct server *srv;
	char why[256];
	sigset_t sigs;
	int o, verbose = 0, sig;

	while ((o = getopt_long(argc, argv, "l:vh", opts, NULL)) != -1) {
		switch (o) {
		case 'l': listen_arg = optarg; break;
		case 'P': port_file = optarg; break;
		case 'S': cfg.spool = optarg; break;
		case 'V': cfg.vm_dir = optarg; break;
		case 's': cfg.setup_script = optarg; break;
		case 'x': cfg.x_display = optarg; break;
		case 'A': cfg.accel = optarg; break;
		case 'k': cfg.key_file = optarg; break;
		case 'u': cfg.usb_if = optarg; break;
		case 'M': cfg.max_file = (uint64_t)positive("--max-file-size", optarg) << 20; break;
		case 'R': cfg.resume_timeout = positive("--resume-timeout", optarg); break;
		case 'E': cfg.end_timeout = positive("--end-timeout", optarg); break;
		case 'I': cfg.idle_timeout = positive("--idle-timeout", optarg); break;
		case 'U': cfg.url_timeout = positive("--url-timeout", optarg); break;
		case 'L': log_file = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "display_launcher: one display name at most "
		    "(quote a name with spaces)\n");
		return 2;
	}
	if (optind < argc)
		cfg.name = argv[optind];
	if (strcmp(cfg.accel, "tcg") != 0 && strcmp(cfg.accel, "kvm") != 0) {
		fprintf(stderr, "display_launcher: --accel is kvm or tcg, not '%s'\n", cfg.accel);
		return 2;
	}
	if (cfg.setup_script == NULL)
		cfg.setup_script = default_setup_script();
	if (access(cfg.setup_script, X_OK) != 0) {
		fprintf(stderr, "display_launcher: setup script %s: %s\n",
		    cfg.setup_script, strerror(errno));
		return 1;
	}
	if (listen_arg && parse_listen(listen_arg, &addr) != 0) {
		fprintf(stderr, "display_launcher: --listen wants ADDR:PORT "
		    "(e.g. 127.0.0.1:7070), not '%s'\n", listen_arg);
		return 2;
	}
	if (!listen_arg) {
		memset(&addr, 0, sizeof(addr));
		addr.sin_family = AF_INET;
		addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	if (mkdir(cfg.spool, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "display_launcher: spool %s: %s\n", cfg.spool, strerror(errno));
		return 1;
	}
	if (kim_log_open("display_launcher", log_file, verbose) != 0) {
		fprintf(stderr, "display_launcher: log %s: %s\n", log_file, strerror(errno));
		return 1;
	}
	if (log_file)
		cfg.log_fd = open(log_file, O_WRONLY | O_APPEND | O_CLOEXEC);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	/* Signals are taken by sigwait below; every thread inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	display_init(&d, &cfg);
	display_clean_spool(&d);
	kim_log("start", "name=\"%s\" spool=%s vm_dir=%s setup=%s x=%s accel=%s",
	    cfg.name, cfg.spool, cfg.vm_dir, cfg.setup_script, cfg.x_display, cfg.accel);
	if ((srv = server_start(&d, &addr, why, sizeof(why))) == NULL) {
		fprintf(stderr, "display_launcher: %s\n", why);
		return 1;
	}
	if (listen_arg) {
		char host[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &addr.sin_addr, host, sizeof(host));
		printf("display_launcher: '%s' listening on %s:%u — direct link, "
		    "NOT encrypted\n", cfg.name, host, server_port(srv));
	} else {
		char *err = NULL;
		d.pub = publisher_start(cfg.name, -1, server_port(srv), &err);
		if (d.pub == NULL) {
			fprintf(stderr, "display_launcher: cannot publish through KCM: %s\n",
			    err ? err : "unknown error");
			return 1;
		}
		printf("display_launcher: published as '%s' through KCM\n",
		    publisher_name(d.pub));
		kim_log("publish", "name=\"%s\" port=%u", publisher_name(d.pub),
		    server_port(srv));
	}
	fflush(stdout);
	if (port_file) {
		char tmp[PATH_MAX];
		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		FILE *f = fopen(tmp, "w");
		if (f == NULL || fprintf(f, "%u\n", server_port(srv)) < 0 ||
		    fclose(f) != 0 || rename(tmp, port_file) != 0) {
			fprintf(stderr, "display_launcher: port file %s: %s\n",
			    port_file, strerror(errno));
			return 1;
		}
	}
	kim_log("start", "ready port=%u", server_port(srv));

	while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP)
		kim_log("start", "SIGHUP ignored");
	kim_log("stop", "signal %d: stopping", sig);
	server_stop(srv);
	session_shutdown(&d);
	if (d.pub)
		publisher_stop(d.pub);
	display_clean_spool(&d);
	kim_log("stop", "stopped");
	return 0;
}
