/* viewer.c -- the viewer process, its password files, and the wait. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "latency.h"
#include "log.h"
#include "spawn.h"
#include "viewer.h"

#define MAX_ARGS 64

/* The fixed key VNC uses to obfuscate stored passwords, in the bit order
 * standard DES expects. */
static const unsigned char vnc_key[8] = {
	0xe8, 0x4a, 0xd6, 0x60, 0xc4, 0x72, 0x1a, 0xe0
};

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
	ok = ctx && EVP_EncryptInit_ex(ctx, EVP_des_ede3_ecb(), NULL, key, NULL) &&
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

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

int
viewer_run(const char *template, const struct viewer_target *t, CLIENT *c,
    int keepalive_s, char *why, size_t whylen)
{
	char dir[] = "/tmp/kimberley-viewer-XXXXXX", pwfile[64], obfile[64], port[16];
	const char *keys[] = { "{host}", "{port}", "{password_file}",
	    "{vncpasswd_file}", "{display}", NULL };
	const char *vals[] = { t->host, port, pwfile, obfile, t->display_name };
	char *tmpl = strdup(template), *argv[MAX_ARGS + 1], *save = NULL;
	unsigned char ob[8];
	struct sigaction sa, old;
	int argc = 0, status = -1, pidfd = -1;
	pid_t pid = -1;

	if (mkdtemp(dir) == NULL || tmpl == NULL) {
		snprintf(why, whylen, "cannot make a private directory for the "
		    "viewer's password: %s", strerror(errno));
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
		snprintf(why, whylen, "cannot write the viewer's password file");
		free(line);
		goto out;
	}
	free(line);
	for (char *w = strtok_r(tmpl, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (argc == MAX_ARGS || (argv[argc] = expand(w, keys, vals)) == NULL) {
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
	kim_log("viewer", "start %s host=%s port=%u", argv[0], t->host, t->port);
	if ((pid = spawn_argv(argv, 0)) < 0) {
		snprintf(why, whylen, "cannot start the viewer '%s': %s (install "
		    "tigervnc-viewer, or choose one with --viewer)", argv[0],
		    strerror(errno));
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old);
	interrupted = 0;
	/* Wait on a pidfd so the display can be pinged meanwhile (it drops
	 * clients that stay silent); Ctrl-C reaches the viewer too, whose exit
	 * then ends the session normally. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (pidfd >= 0) {
		struct pollfd p = { pidfd, POLLIN, 0 };
		int n = poll(&p, 1, keepalive_s * 1000);
		if (interrupted) {
			kim_log("viewer", "interrupted: ending the viewer");
			kill(pid, SIGTERM);
			interrupted = 0;
		}
		if (n > 0)
			break;
		if (n == 0 && latency_ping(c) != 0)
			kim_log("viewer", "keep-alive ping to the display failed");
	}
	status = spawn_wait(pid);
	sigaction(SIGINT, &old, NULL);
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
	return status;
}
