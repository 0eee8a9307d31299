/* sasl.c -- docs/design.md step 4, docs/operator.md "Authentication": Cyrus
 * SASL behind AUTH_STEP (service "kimberley", mechanisms from the
 * operator's kimberley.conf, so site plugins need no code here), and the
 * code on the idle screen.
 *
 * PLAIN (and any mechanism SASL calls plaintext) is allowed only on a link
 * that cannot be read on the way: the display listens on loopback alone
 * (the KCM tunnel, docs/kcm.md, ends there; so does a local test) and the
 * peer is a loopback address.  Everywhere else the connection's security
 * properties say SASL_SEC_NOPLAINTEXT, so SASL neither lists nor runs it.
 * No SASL security layer is negotiated (max_ssf 0): RPC has no place for
 * one; the tunnel's TLS protects the link. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <sasl/sasl.h>

#include "errors.h"
#include "log.h"
#include "sasl.h"
#include "step.h"

static const char *conf_dir;
/* One SASL call at a time: each connection's thread has its own sasl_conn_t,
 * but the plugins' back ends (the sasldb's database, saslauthd's socket)
 * are not all known to be safe across threads; the calls are short. */
static pthread_mutex_t sasl_lock = PTHREAD_MUTEX_INITIALIZER;

static int
get_conf_path(void *ctx, const char **path)
{
	(void)ctx;
	*path = conf_dir;
	return SASL_OK;
}

/* SASL's own lines (wrong password, unknown user, ...) into our log. */
static int
sasl_log(void *ctx, int level, const char *msg)
{
	char q[KIM_LOGQ_MAX];

	(void)ctx;
	if (level <= SASL_LOG_NOTE && msg)
		kim_log("auth", "sasl: %s", kim_logq(q, sizeof(q), msg));
	return SASL_OK;
}

/* SASL's callbacks are declared int (*)(void); through void (*)(void),
 * which GCC lets match any function type */
#define SASL_FN(f) ((int (*)(void))(void (*)(void))(f))

static sasl_callback_t callbacks[] = {
	{ SASL_CB_LOG, SASL_FN(sasl_log), NULL },
	{ SASL_CB_GETCONFPATH, SASL_FN(get_conf_path), NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

/* A server connection with the security properties of its link. */
static sasl_conn_t *
new_conn(int plain_ok)
{
	sasl_security_properties_t sp;
	sasl_conn_t *conn = NULL;
	char host[256];

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (sasl_server_new(
		"kimberley", host, NULL, NULL, NULL, NULL, 0, &conn) != SASL_OK)
		return NULL;
	memset(&sp, 0, sizeof(sp));
	sp.security_flags =
	    SASL_SEC_NOANONYMOUS | (plain_ok ? 0 : SASL_SEC_NOPLAINTEXT);
	sp.max_ssf = 0; /* no security layer: see the top */
	if (sasl_setprop(conn, SASL_SEC_PROPS, &sp) != SASL_OK) {
		sasl_dispose(&conn);
		return NULL;
	}
	if (plain_ok) { /* the tunnel's TLS */
		sasl_ssf_t ext = 128;
		sasl_setprop(conn, SASL_SSF_EXTERNAL, &ext);
	}
	return conn;
}

int
dsasl_init(const char *dir, char *mechs, size_t mlen, char *why, size_t whylen)
{
	const char *list;
	unsigned len;
	int count, rc;
	sasl_conn_t *conn;

	conf_dir = dir;
	if (dir == NULL) /* SASL's default path */
		callbacks[1].id = SASL_CB_LIST_END;
	if ((rc = sasl_server_init(callbacks, "kimberley")) != SASL_OK) {
		snprintf(why, whylen, "SASL does not start: %s",
		    sasl_errstring(rc, NULL, NULL));
		return -1;
	}
	if ((conn = new_conn(0)) == NULL) {
		snprintf(why, whylen, "SASL: cannot make a server connection");
		return -1;
	}
	rc = sasl_listmech(conn, NULL, "", " ", "", &list, &len, &count);
	if (rc != SASL_OK || count == 0) {
		snprintf(why, whylen,
		    "SASL offers no mechanism that is safe on a "
		    "direct link for the service 'kimberley' (see its mech_list in "
		    "%s/kimberley.conf and docs/operator.md)",
		    dir ? dir : "/etc/sasl2");
		sasl_dispose(&conn);
		return -1;
	}
	snprintf(mechs, mlen, "%s", list);
	sasl_dispose(&conn);
	char conf[4096];
	snprintf(
	    conf, sizeof(conf), "%s/kimberley.conf", dir ? dir : "/etc/sasl2");
	if (access(conf, F_OK) != 0)
		fprintf(stderr,
		    "display_launcher: warning: no %s: SASL offers every "
		    "mechanism it has (%s) with its default password check (see "
		    "docs/operator.md)\n",
		    conf, mechs);
	return 0;
}

/* The link cannot be read on the way: see the top. */
static int
plain_ok(const struct conn *c)
{
	return c->d->cfg->direct_addr == NULL &&
	    strncmp(c->peer, "127.", 4) == 0;
}

static sasl_conn_t *
conn_of(struct conn *c)
{
	if (c->sasl == NULL) {
		pthread_mutex_lock(&sasl_lock);
		c->sasl = new_conn(plain_ok(c));
		pthread_mutex_unlock(&sasl_lock);
	}
	return c->sasl;
}

void
dsasl_free(struct conn *c)
{
	sasl_conn_t *conn = c->sasl;

	if (conn) {
		pthread_mutex_lock(&sasl_lock);
		sasl_dispose(&conn);
		pthread_mutex_unlock(&sasl_lock);
	}
	c->sasl = NULL;
	c->sasl_mech[0] = '\0';
}

void
dsasl_mechs(struct conn *c, char *out, size_t len)
{
	const struct display_config *cfg = c->d->cfg;
	const char *list = NULL;
	unsigned n;
	int count;
	size_t at;

	out[0] = '\0';
	if (cfg->sasl && conn_of(c)) {
		pthread_mutex_lock(&sasl_lock);
		if (sasl_listmech(c->sasl, NULL, "", " ", "", &list, &n,
			&count) == SASL_OK)
			snprintf(out, len, "%s", list);
		pthread_mutex_unlock(&sasl_lock);
	}
	if (cfg->auth_code) {
		at = strlen(out);
		snprintf(
		    out + at, len - at, "%s%s", at ? " " : "", KIM_AUTH_MECH);
	}
	if (cfg->screen_code) {
		at = strlen(out);
		snprintf(
		    out + at, len - at, "%s%s", at ? " " : "", KIM_SCREEN_MECH);
	}
}

int
dsasl_offers(struct conn *c, const char *mech)
{
	char list[KIM_NAME_MAX];
	const char *p;
	size_t ml = strlen(mech);

	if (!c->d->cfg->sasl || ml == 0)
		return 0;
	dsasl_mechs(c, list, sizeof(list)); /* SASL's, then ours: */
	if (strcmp(mech, KIM_AUTH_MECH) == 0 ||
	    strcmp(mech, KIM_SCREEN_MECH) == 0)
		return 0; /* never SASL's */
	for (p = list; (p = strstr(p, mech)) != NULL; p += ml)
		if ((p == list || p[-1] == ' ') &&
		    (p[ml] == ' ' || p[ml] == '\0'))
			return 1;
	return 0;
}

/* Why SASL said no, for the display's log (the mobile hears less). */
static const char *
why_failed(int rc)
{
	switch (rc) {
	case SASL_BADAUTH: return "wrong password";
	case SASL_NOUSER: return "unknown user";
	case SASL_NOMECH: return "mechanism not available";
	case SASL_TOOWEAK: return "mechanism too weak for this link";
	case SASL_BADPROT: return "the client broke the mechanism's protocol";
	case SASL_NOAUTHZ: return "user may not act as the requested identity";
	case SASL_DISABLED: return "account disabled";
	case SASL_EXPIRED: return "password expired";
	case SASL_ENCRYPT: return "mechanism needs encryption";
	default: return sasl_errstring(rc, NULL, NULL);
	}
}

void
dsasl_step(struct conn *c, const auth_arg *a, auth_res *r, int *done)
{
	const char *out = NULL, *detail;
	const void *user = NULL;
	unsigned outlen = 0, inlen = a->token.token_len;
	const char *in = inlen ? a->token.token_val : NULL;
	char q[KIM_LOGQ_MAX], qd[KIM_LOGQ_MAX];
	int rc;

	*done = 0;
	if (conn_of(c) == NULL) {
		r->status = step_refuse(c, KIM_E_INTERNAL, NULL);
		return;
	}
	pthread_mutex_lock(&sasl_lock);
	if (c->sasl_mech[0] == '\0') {
		snprintf(c->sasl_mech, sizeof(c->sasl_mech), "%s", a->mech);
		rc = sasl_server_start(
		    c->sasl, a->mech, in, inlen, &out, &outlen);
	} else
		rc = sasl_server_step(c->sasl, in, inlen, &out, &outlen);
	pthread_mutex_unlock(&sasl_lock);
	if (rc == SASL_OK || rc == SASL_CONTINUE) {
		if (outlen > 0 && outlen <= KIM_TOKEN_MAX &&
		    (r->token.token_val = malloc(outlen)) != NULL) {
			memcpy(r->token.token_val, out, outlen);
			r->token.token_len = outlen;
		}
	}
	if (rc == SASL_CONTINUE) {
		r->status = KIM_E_AUTH_CONTINUE;
		return;
	}
	if (rc == SASL_OK) {
		if (sasl_getprop(c->sasl, SASL_USERNAME, &user) != SASL_OK ||
		    !user)
			user = "?";
		snprintf(c->user, sizeof(c->user), "%s", (const char *)user);
		kim_log("auth", "conn=%u mechanism=%s user=%s ok", c->id,
		    kim_logq(qd, sizeof(qd), c->sasl_mech),
		    kim_logq(q, sizeof(q), c->user));
		*done = 1;
		r->status = 0;
		dsasl_free(c); /* done: another try would start afresh */
		return;
	}
	detail = sasl_errdetail(c->sasl);
	kim_log("auth", "conn=%u mechanism=%s refused: %s (%s)", c->id,
	    kim_logq(qd, sizeof(qd), c->sasl_mech), why_failed(rc),
	    kim_logq(q, sizeof(q), detail ? detail : ""));
	/* a failed exchange is over: the next try starts afresh */
	dsasl_free(c);
	free(r->token.token_val);
	r->token.token_val = NULL;
	r->token.token_len = 0;
	if (rc == SASL_NOMECH || rc == SASL_TOOWEAK || rc == SASL_ENCRYPT)
		r->status = KIM_E_AUTH_MECH; /* not a guess: not counted */
	else
		r->status = KIM_E_AUTH_FAILED;
}

/* ---- the code on the screen ---------------------------------------------- */

void
screen_code_new(struct display *d, const char *why, int show)
{
	char code[KIM_SCREEN_CODE_LEN + 1];
	unsigned char b;
	int i = 0, owned;

	while (i < KIM_SCREEN_CODE_LEN) { /* uniform digits: no modulo bias */
		if (RAND_bytes(&b, 1) != 1)
			continue;
		if (b < 250)
			code[i++] = (char)('0' + b % 10);
	}
	code[i] = '\0';
	pthread_mutex_lock(&d->lock);
	memcpy(d->screen_code, code, sizeof(code));
	owned = d->owner != NULL;
	pthread_mutex_unlock(&d->lock);
	explicit_bzero(code, sizeof(code));
	kim_log("auth", "screen code changed (%s)", why);
	if (show && !owned)
		step_idle(d, 1);
}
