/* viewer.c -- the viewer process, its password files, and the wait. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "connect.h"
#include "latency.h"
#include "litter.h"
#include "log.h"
#include "kim_spawn.h"
#include "viewer.h"

#define MAX_ARGS 64

/* The fixed key VNC uses to obfuscate stored passwords, in the bit order
 * standard DES expects. */
static const unsigned char vnc_key[8] = { 0xe8, 0x4a, 0xd6, 0x60, 0xc4, 0x72,
	0x1a, 0xe0 };

int
viewer_vncpasswd(const char *password, unsigned char out[8])
{
	unsigned char in[8] = { 0 }, key[24];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, ok;

	memcpy(in, password, strnlen(password, 8));
	/* single DES as three-key 3DES with K1 = K2 = K3 (E(D(E(x)))=E(x)):
	 * OpenSSL 3 keeps plain DES in the legacy provider only */
	for (int i = 0; i < 3; i++)
		memcpy(key + 8 * i, vnc_key, 8);
	ok = ctx &&
	    EVP_EncryptInit_ex(ctx, EVP_des_ede3_ecb(), NULL, key, NULL) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_EncryptUpdate(ctx, out, &len, in, 8) && len == 8;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int
write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int ok = fd >= 0 && write(fd, buf, len) == (ssize_t)len;

	if (fd >= 0)
		ok = close(fd) == 0 && ok;
	return ok ? 0 : -1;
}

/* Replace every {key} in word; NULL when too long. */
static char *
expand(const char *word, const char *const keys[], const char *const vals[])
{
	char out[4096];
	size_t o = 0;

	for (const char *p = word; *p;) {
		size_t i, kl = 0;
		for (i = 0; keys[i]; i++) {
			kl = strlen(keys[i]);
			if (strncmp(p, keys[i], kl) == 0)
				break;
		}
		const char *v = keys[i] ? vals[i] : NULL;
		size_t vl = v ? strlen(v) : 1;
		if (o + vl >= sizeof(out))
			return NULL;
		if (v) {
			memcpy(out + o, v, vl);
			p += kl;
		} else {
			out[o] = *p++;
		}
		o += vl;
	}
	out[o] = '\0';
	return strdup(out);
}

/* A viewer asked to end gets this long before SIGKILL. */
#define VIEWER_GRACE_S 5
/* A keep-alive ping unanswered this long means the link is lost (the
 * display answers pings at once; the calls' usual bound is 30 s). */
#define PING_TIMEOUT_S 10
#define CALL_TIMEOUT_S 30

static int
ping(CLIENT *c)
{
	int rc;

	connect_timeout(c, PING_TIMEOUT_S);
	rc = latency_ping(c);
	connect_timeout(c, CALL_TIMEOUT_S);
	return rc;
}

/* Wait for the viewer (pidfd) at most grace_s seconds; then SIGKILL. */
static int
viewer_reap(pid_t pid, int pidfd, int grace_s)
{
	struct pollfd p = { pidfd, POLLIN, 0 };

	if (pidfd >= 0 && poll(&p, 1, grace_s * 1000) == 0) {
		kim_log("viewer", "still running after %d s: SIGKILL", grace_s);
		kill(pid, SIGKILL);
	}
	return kim_spawn_wait(pid);
}

/* The display's end of the connection is gone (closed, or the link dead:
 * the socket's keepalive and user timeout report it). */
static int
link_gone(int fd)
{
	struct pollfd p = { fd, POLLRDHUP, 0 };

	return fd >= 0 && poll(&p, 1, 0) == 1 &&
	    (p.revents & (POLLRDHUP | POLLERR | POLLHUP));
}

int
viewer_run(const char *template, const struct viewer_target *t, CLIENT *c,
    int keepalive_s, volatile sig_atomic_t *stop, char *why, size_t whylen)
{
	char dir[PATH_MAX], pwfile[PATH_MAX + 16], obfile[PATH_MAX + 16],
	    port[16];
	const char *keys[] = { "{host}", "{port}", "{password_file}",
		"{vncpasswd_file}", "{display}", NULL };
	const char *vals[] = { t->host, port, pwfile, obfile, t->display_name };
	char *tmpl = strdup(template), *argv[MAX_ARGS + 1], *save = NULL;
	unsigned char ob[8];
	int argc = 0, status = -1, pidfd = -1, sock = -1, lost = 0, asked = 0;
	pid_t pid = -1;

	/* the PID in the name lets the next run tell a dead run's litter */
	snprintf(dir, sizeof(dir), "%s/" VIEWER_DIR_PREFIX "%ld-XXXXXX",
	    litter_tmpdir(), (long)getpid());
	if (mkdtemp(dir) == NULL || tmpl == NULL) {
		snprintf(why, whylen,
		    "cannot make a private directory for the "
		    "viewer's password: %s",
		    strerror(errno));
		free(tmpl);
		return -1;
	}
	snprintf(pwfile, sizeof(pwfile), "%s/passwd", dir);
	snprintf(obfile, sizeof(obfile), "%s/vncpasswd", dir);
	snprintf(port, sizeof(port), "%u", t->port);
	char *line = malloc(strlen(t->password) + 2);
	sprintf(line, "%s\n", t->password);
	if (write_file(pwfile, line, strlen(line)) != 0 ||
	    viewer_vncpasswd(t->password, ob) != 0 ||
	    write_file(obfile, ob, sizeof(ob)) != 0) {
		snprintf(
		    why, whylen, "cannot write the viewer's password file");
		free(line);
		goto out;
	}
	free(line);
	for (char *w = strtok_r(tmpl, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (argc == MAX_ARGS ||
		    (argv[argc] = expand(w, keys, vals)) == NULL) {
			snprintf(why, whylen, "the viewer command is too long");
			goto out;
		}
		argc++;
	}
	argv[argc] = NULL;
	if (argc == 0) {
		snprintf(why, whylen, "the viewer command is empty");
		goto out;
	}
	if (*stop) { /* asked to end before the viewer started */
		status = 0;
		goto out;
	}
	kim_log(
	    "viewer", "start %s host=%s port=%u", argv[0], t->host, t->port);
	if (kim_spawn(&pid, argv,
		&(struct kim_spawn_opts){
		    { KIM_SPAWN_DEVNULL, KIM_SPAWN_INHERIT, KIM_SPAWN_INHERIT },
		    NULL, KIM_SPAWN_PATH, 0 }) != 0) {
		snprintf(why, whylen,
		    "cannot start the viewer '%s': %s (install "
		    "tigervnc-viewer, or choose one with --viewer)",
		    argv[0], strerror(errno));
		goto out;
	}
	/* Wait on a pidfd so the display can be pinged meanwhile (it drops
	 * clients that stay silent) and a lost link is noticed; Ctrl-C,
	 * SIGHUP and SIGTERM (*stop) end the viewer, whose exit then ends the
	 * session normally. */
	clnt_control(c, CLGET_FD, (char *)&sock);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (pidfd >= 0) {
		struct pollfd p[2] = { { pidfd, POLLIN, 0 },
			{ sock, POLLRDHUP, 0 } };
		int n = poll(p, sock >= 0 ? 2 : 1, keepalive_s * 1000);
		if (*stop) {
			kim_log("viewer", "interrupted: ending the viewer");
			kill(pid, SIGTERM);
			asked = 1;
			break;
		}
		if (n > 0 && p[0].revents)
			break;
		if (link_gone(sock) || (n == 0 && ping(c) != 0)) {
			kim_log("viewer",
			    "the link to the display is lost: ending the viewer");
			kill(pid, SIGTERM);
			lost = 1;
			break;
		}
	}
	status = asked || lost ? viewer_reap(pid, pidfd, VIEWER_GRACE_S)
			       : kim_spawn_wait(pid);
	kim_log("viewer", "exited status=%d", status);
out:
	if (pidfd >= 0)
		close(pidfd);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(tmpl);
	unlink(pwfile);
	unlink(obfile);
	rmdir(dir);
	if (lost) {
		snprintf(why, whylen, "the connection to the display was lost");
		return VIEWER_LINK_LOST;
	}
	return status;
}
