/* widearea.c -- docs/widearea.md: publish KCM's services in the site's DNS.
 *
 * For a display on a routed network mDNS is not enough (it does not cross
 * routers).  When KCM is given a domain and a TSIG key, each publication
 * on any interface is also registered by RFC 2136 dynamic update:
 *
 *   _kimberley._tcp.DOMAIN      PTR  INSTANCE._kimberley._tcp.DOMAIN
 *   INSTANCE._kimberley._tcp.DOMAIN  SRV 0 0 PORT HOST.DOMAIN
 *                                    TXT "txtvers=1" "proto=1" "state=free|busy"
 *   HOST.DOMAIN                 A    this machine's address toward the server
 *
 * and removed (exactly those records) when the publication is withdrawn or
 * KCM stops.  The update is made by nsupdate -k KEYFILE, spawned with an
 * argv (no shell) and the update on its stdin; the instance name is escaped
 * to DNS presentation format (RFC 6763 section 4.3: any UTF-8; every byte
 * but letters, digits, '-' and '_' becomes \DDD, so dots, spaces and
 * backslashes stay inside the label).  Updates run one at a time, in the
 * order asked, and never block the loop: nsupdate's output is a watch, and
 * its end (EOF) is when it is reaped and the next one starts.  A failed
 * update is logged with nsupdate's own words; mDNS publishing goes on. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kcm/kcm.h"
#include "kcm/widearea.h"
#include "rpc/kim_spawn.h"

struct wide_rec {
	struct wide_rec *next;
	char *type, *name;
	unsigned port;
	bool busy;
};

struct job {
	struct job *next;
	char *script;
	char *what; /* for the log: "register 'Room S'" */
};

struct widearea {
	char *domain;		    /* without a trailing dot */
	char *server, *server_port; /* NULL: nsupdate finds the primary */
	char *key;
	char *host;		    /* the SRV target's label */
	char addr[INET_ADDRSTRLEN]; /* the A record we added ("" if none) */
	struct wide_rec *recs;
	struct job *queue;
	/* the running nsupdate */
	pid_t pid;
	int out; /* its stdout + stderr */
	AvahiWatch *watch;
	char buf[2048];
	size_t len;
	struct job *cur;
};

static bool
label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

const char *
wide_bad_domain(const char *d)
{
	size_t n = strlen(d), lab = 0;
	if (n == 0)
		return "the domain is empty";
	if (n > 200)
		return "the domain is longer than 200 characters";
	if (d[0] == '.' || strstr(d, ".."))
		return "the domain has an empty label";
	for (; *d; d++) {
		if (*d == '.') {
			lab = 0;
			continue;
		}
		if (!label_char((unsigned char)*d))
			return "the domain may only hold letters, digits, '-', '_' and dots";
		if (++lab > 63)
			return "a label of the domain is longer than 63 characters";
	}
	return NULL;
}

static const char *
bad_server(const char *s)
{
	if (!*s || strlen(s) > 200)
		return "the DNS server must be an address or host name, optionally :PORT";
	for (; *s; s++)
		if (!label_char((unsigned char)*s) && *s != '.' && *s != ':')
			return "the DNS server may only hold letters, digits, '-', '.' and ':'";
	return NULL;
}

/* Escape one DNS label to presentation format (\DDD for all but [A-Za-z0-9_-]). */
static void
put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (label_char(c))
			fputc(c, f);
		else
			fprintf(f, "\\%03u", c);
	}
}

static struct widearea *
W(struct kcm *k)
{
	return k->wide;
}

const char *
wide_domain(struct kcm *k)
{
	return k->wide ? k->wide->domain : NULL;
}

int
wide_config(struct kcm *k, const char *domain, const char *server,
    const char *key, const char *host)
{
	struct widearea *w;
	char hn[256], *dot, *colon;
	const char *why;
	if (!domain || !*domain)
		return 0;
	w = calloc(1, sizeof *w);
	w->domain = strdup(domain);
	if ((dot = w->domain + strlen(w->domain)) > w->domain && dot[-1] == '.')
		dot[-1] = '\0';
	if ((why = wide_bad_domain(w->domain))) {
		fprintf(stderr, "kcm: --dns-domain '%s': %s\n", domain, why);
		return -1;
	}
	if (!key || !*key) {
		fprintf(stderr,
		    "kcm: --dns-domain needs --dns-key FILE (the TSIG key the DNS "
		    "server accepts updates with; make one with tsig-keygen)\n");
		return -1;
	}
	if (access(key, R_OK) < 0) {
		fprintf(
		    stderr, "kcm: --dns-key %s: %s\n", key, strerror(errno));
		return -1;
	}
	w->key = strdup(key);
	if (server && *server) {
		if ((why = bad_server(server))) {
			fprintf(stderr, "kcm: --dns-server '%s': %s\n", server,
			    why);
			return -1;
		}
		w->server = strdup(server);
		/* one colon: HOST:PORT; more: an IPv6 address without a port */
		if ((colon = strchr(w->server, ':')) &&
		    !strchr(colon + 1, ':')) {
			*colon = '\0';
			w->server_port = strdup(colon + 1);
		}
	}
	if (!host || !*host) {
		if (gethostname(hn, sizeof hn) < 0)
			snprintf(hn, sizeof hn, "kimberley");
		hn[sizeof hn - 1] = '\0';
		if ((dot = strchr(hn, '.')))
			*dot = '\0';
		host = hn;
	}
	if (strchr(host, '.') || (why = wide_bad_domain(host))) {
		fprintf(stderr, "kcm: --dns-host '%s': %s\n", host,
		    why ? why
			: "give one label (letters, digits, '-'), not a dotted name");
		return -1;
	}
	w->host = strdup(host);
	w->out = -1;
	k->wide = w;
	kcm_log(
	    "wide-area: publishing in %s through %s%s%s as host %s.%s, key %s",
	    w->domain, w->server ? w->server : "the zone's primary server",
	    w->server_port ? " port " : "",
	    w->server_port ? w->server_port : "", w->host, w->domain, w->key);
	return 0;
}

/* Our IPv4 address toward the DNS server (the route's source address), or
 * the first non-loopback one. */
static int
our_addr(struct widearea *w, char *out)
{
	struct addrinfo hints = { .ai_family = AF_INET,
		.ai_socktype = SOCK_DGRAM },
			*ai;
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	struct ifaddrs *ifa, *i;
	int fd, ok = -1;
	if (w->server &&
	    getaddrinfo(w->server, w->server_port ? w->server_port : "53",
		&hints, &ai) == 0) {
		if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0) {
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
			    getsockname(fd, (struct sockaddr *)&sin, &len) ==
				0 &&
			    inet_ntop(
				AF_INET, &sin.sin_addr, out, INET_ADDRSTRLEN))
				ok = 0;
			close(fd);
		}
		freeaddrinfo(ai);
		if (ok == 0)
			return 0;
	}
	if (getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    ntohl(
			((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr) >>
			    24 !=
			127 &&
		    inet_ntop(AF_INET,
			&((struct sockaddr_in *)i->ifa_addr)->sin_addr, out,
			INET_ADDRSTRLEN)) {
			ok = 0;
			break;
		}
	freeifaddrs(ifa);
	return ok;
}

/* --- the update scripts --- */
static FILE *
script_open(struct widearea *w, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	if (!f)
		return NULL;
	if (w->server)
		fprintf(f, "server %s%s%s\n", w->server,
		    w->server_port ? " " : "",
		    w->server_port ? w->server_port : "");
	fprintf(f, "zone %s\n", w->domain);
	return f;
}

static void
put_instance(FILE *f, struct widearea *w, const struct wide_rec *r)
{
	put_label(f, r->name);
	fprintf(f, ".%s.%s", r->type, w->domain);
}

/* A session's VNC export gets a new port each session: a mobile's cache
 * must not keep the last one long (the next person would be refused). */
static bool
is_vnc(const struct wide_rec *r)
{
	return strcmp(r->type, KCM_TYPE_VNC) == 0;
}

static void
put_txt(FILE *f, struct widearea *w, const struct wide_rec *r, bool add)
{
	fprintf(f, "update %s ", add ? "add" : "delete");
	put_instance(f, w, r);
	if (add)
		fprintf(
		    f, " %d", is_vnc(r) ? KCM_WIDE_VNC_TTL : KCM_WIDE_TXT_TTL);
	fprintf(f,
	    " TXT \"txtvers=1\" \"proto=" KCM_PROTO_VERSION "\" \"state=%s\"\n",
	    r->busy ? "busy" : "free");
}

static void
put_records(FILE *f, struct widearea *w, const struct wide_rec *r, bool add)
{
	const char *op = add ? "add" : "delete";
	char ttl[16] = "";
	if (add)
		snprintf(ttl, sizeof ttl, " %d",
		    is_vnc(r) ? KCM_WIDE_VNC_TTL : KCM_WIDE_TTL);
	fprintf(f, "update %s %s.%s%s PTR ", op, r->type, w->domain, ttl);
	put_instance(f, w, r);
	fprintf(f, "\nupdate %s ", op);
	put_instance(f, w, r);
	fprintf(f, "%s SRV 0 0 %u %s.%s.\n", ttl, r->port, w->host, w->domain);
	put_txt(f, w, r, add);
}

static char *
script_close(FILE *f, char **buf)
{
	fputs("send\n", f);
	if (fclose(f) != 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

static void run_next(struct kcm *k);

static void
enqueue(struct kcm *k, char *script, const char *fmt, const char *name)
{
	struct widearea *w = W(k);
	struct job *j, **pp;
	if (!script)
		return;
	j = calloc(1, sizeof *j);
	j->script = script;
	if (asprintf(&j->what, fmt, name) < 0)
		j->what = NULL;
	for (pp = &w->queue; *pp; pp = &(*pp)->next)
		;
	*pp = j;
	if (!w->pid)
		run_next(k);
}

static void
job_free(struct job *j)
{
	if (j) {
		free(j->script);
		free(j->what);
		free(j);
	}
}

/* --- running nsupdate --- */
static void
finish(struct kcm *k)
{
	struct widearea *w = W(k);
	int st = 0;
	char *nl, *say;
	if (w->watch)
		k->api->watch_free(w->watch);
	w->watch = NULL;
	close(w->out);
	w->out = -1;
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
	w->buf[w->len] = '\0';
	while ((nl = strchr(w->buf, '\n')) && nl[1])
		*nl = ' ';
	if ((nl = strchr(w->buf, '\n')))
		*nl = '\0';
	for (say = w->buf; *say == ';' || *say == ' ';
	     say++) /* nsupdate's "; " */
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		kcm_log("wide-area: %s in %s: done", w->cur->what, w->domain);
	else
		kcm_log(
		    "wide-area: could not %s in %s: nsupdate %s %d%s%s (mDNS is not "
		    "affected)",
		    w->cur->what, w->domain,
		    WIFEXITED(st) ? "exited with" : "was killed by signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
		    *say ? ": " : "", say);
	job_free(w->cur);
	w->cur = NULL;
	w->len = 0;
}

/* Read what nsupdate says; at EOF it has exited (or is about to). */
static bool
drain(struct widearea *w)
{
	char tmp[512];
	ssize_t n;
	for (;;) {
		n = read(w->out, tmp, sizeof tmp);
		if (n > 0) {
			size_t room = sizeof w->buf - 1 - w->len,
			       c = (size_t)n < room ? (size_t)n : room;
			memcpy(w->buf + w->len, tmp, c);
			w->len += c;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
	}
}

static void
out_cb(AvahiWatch *wt, int fd, AvahiWatchEvent ev, void *data)
{
	struct kcm *k = data;
	(void)wt;
	(void)fd;
	(void)ev;
	if (drain(W(k))) {
		finish(k);
		run_next(k);
	}
}

static int
spawn(struct kcm *k, struct job *j)
{
	struct widearea *w = W(k);
	int in[2], out[2], r;
	char t[16];
	struct kim_spawn_opts so = KIM_SPAWN_OPTS_INIT;
	char *argv[] = { "nsupdate", "-k", w->key, "-t", t, "-u",
		KCM_WIDE_UDP_WAIT, "-r", KCM_WIDE_UDP_RETRIES, NULL };
	snprintf(t, sizeof t, "%d", KCM_WIDE_NSUPDATE_TIMEOUT);
	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]), close(in[1]);
		return -1;
	}
	so.fd[0] = in[0];
	so.fd[1] = so.fd[2] = out[1];
	so.flags = KIM_SPAWN_PATH;
	r = kim_spawn(&w->pid, argv, &so);
	close(in[0]);
	close(out[1]);
	if (r != 0) {
		int e = errno;
		w->pid = 0;
		close(in[1]);
		close(out[0]);
		errno = e;
		return -1;
	}
	/* A few hundred bytes: far below the pipe's capacity. */
	if (write(in[1], j->script, strlen(j->script)) < 0)
		kcm_log("wide-area: writing to nsupdate: %s", strerror(errno));
	close(in[1]);
	w->out = out[0];
	fcntl(w->out, F_SETFL, O_NONBLOCK);
	w->cur = j;
	return 0;
}

static void
run_next(struct kcm *k)
{
	struct widearea *w = W(k);
	struct job *j;
	while (!w->pid && (j = w->queue)) {
		w->queue = j->next;
		if (spawn(k, j) < 0) {
			kcm_log(
			    "wide-area: could not %s in %s: cannot run nsupdate: %s (install "
			    "dnsutils; mDNS is not affected)",
			    j->what, w->domain, strerror(errno));
			job_free(j);
			continue;
		}
		w->watch = k->api->watch_new(
		    k->api, w->out, AVAHI_WATCH_IN, out_cb, k);
	}
}

/* --- the records --- */
static bool
host_in_use(struct widearea *w)
{
	return w->recs != NULL;
}

static void
add_script(struct kcm *k, struct wide_rec *r)
{
	struct widearea *w = W(k);
	char *buf = NULL, addr[INET_ADDRSTRLEN];
	size_t len;
	FILE *f;
	if (our_addr(w, addr) < 0) {
		kcm_log(
		    "wide-area: cannot register '%s': no IPv4 address to announce",
		    r->name);
		return;
	}
	if (!(f = script_open(w, &buf, &len)))
		return;
	/* Take over what a previous run (crashed, so never removed) left. */
	fprintf(f, "update delete ");
	put_instance(f, w, r);
	fprintf(f, " SRV\nupdate delete ");
	put_instance(f, w, r);
	fprintf(f, " TXT\n");
	put_records(f, w, r, true);
	if (w->addr[0] && strcmp(w->addr, addr) != 0)
		fprintf(f, "update delete %s.%s A %s\n", w->host, w->domain,
		    w->addr);
	fprintf(f, "update add %s.%s %d A %s\n", w->host, w->domain,
	    KCM_WIDE_TTL, addr);
	snprintf(w->addr, sizeof w->addr, "%s", addr);
	enqueue(k, script_close(f, &buf), "register '%s'", r->name);
}

static void
del_script(struct kcm *k, struct wide_rec *r)
{
	struct widearea *w = W(k);
	char *buf = NULL;
	size_t len;
	FILE *f = script_open(w, &buf, &len);
	if (!f)
		return;
	put_records(f, w, r, false);
	if (!host_in_use(w) && w->addr[0]) {
		fprintf(f, "update delete %s.%s A %s\n", w->host, w->domain,
		    w->addr);
		w->addr[0] = '\0';
	}
	enqueue(k, script_close(f, &buf), "remove '%s'", r->name);
}

static void
rec_free(struct wide_rec *r)
{
	free(r->type);
	free(r->name);
	free(r);
}

static void
unlink_rec(struct widearea *w, struct wide_rec *r)
{
	struct wide_rec **pp;
	for (pp = &w->recs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
}

void
wide_set(struct kcm *k, struct wide_rec **rp, const char *type,
    const char *name, unsigned port, bool busy)
{
	struct widearea *w = W(k);
	struct wide_rec *r = *rp;
	char *buf = NULL;
	size_t len;
	FILE *f;
	if (!w)
		return;
	if (r &&
	    (strcmp(r->name, name) || strcmp(r->type, type) || r->port != port))
		wide_drop(k, rp), r = NULL;
	if (!r) {
		if (strlen(name) + strlen(type) + strlen(w->domain) + 3 > 250) {
			kcm_log(
			    "wide-area: '%s' is too long a name to register in %s",
			    name, w->domain);
			return;
		}
		r = calloc(1, sizeof *r);
		r->type = strdup(type);
		r->name = strdup(name);
		r->port = port;
		r->busy = busy;
		r->next = w->recs;
		w->recs = r;
		*rp = r;
		add_script(k, r);
		return;
	}
	if (r->busy == busy)
		return;
	r->busy = busy;
	if (!(f = script_open(w, &buf, &len)))
		return;
	fprintf(f, "update delete ");
	put_instance(f, w, r);
	fprintf(f, " TXT\n");
	put_txt(f, w, r, true);
	enqueue(k, script_close(f, &buf),
	    busy ? "mark '%s' busy" : "mark '%s' free", name);
}

void
wide_drop(struct kcm *k, struct wide_rec **rp)
{
	struct widearea *w = W(k);
	struct wide_rec *r = *rp;
	if (!w || !r)
		return;
	*rp = NULL;
	unlink_rec(w, r);
	del_script(k, r);
	rec_free(r);
}

void
wide_shutdown(struct kcm *k)
{
	struct widearea *w = W(k);
	struct wide_rec *r;
	if (!w)
		return;
	/* Removals go at the end of the queue; then run it all, waiting. */
	while ((r = w->recs)) {
		w->recs = r->next;
		del_script(k, r);
		rec_free(r);
	}
	for (;;) {
		if (w->pid) {
			int fl = fcntl(w->out, F_GETFL);
			fcntl(w->out, F_SETFL, fl & ~O_NONBLOCK);
			drain(w);
			finish(k);
		}
		if (!w->queue)
			break;
		run_next(k);
	}
}
