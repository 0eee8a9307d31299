/* hello.c -- docs/design.md step 4 and section 3a, log steps "hello" and
 * "auth": the versions, and the factors that must be proven before a
 * connection may claim the display: a SASL account (display_launcher/
 * sasl.c) or the access code, and the code on the screen (both
 * challenge-response, rpc/access.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "names.h"
#include "step.h"
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "access.h"
#include "sasl.h"

/* ---- hello and authentication -------------------------------------------- */

void
session_hello(struct conn *c, const hello_arg *a, hello_res *r)
{
	r->proto = PROTO_VERSION;
	r->display_name = strdup(c->d->cfg->name);
	char mechs[KIM_NAME_MAX];
	dsasl_mechs(c, mechs, sizeof(mechs));
	r->auth_mechs = strdup(mechs);
	r->usb_threshold_ms = c->d->cfg->usb_threshold_ms;
	char q[KIM_LOGQ_MAX];

	if (++c->hellos <= HELLO_LOG_MAX)
		kim_log("hello", "conn=%u client=%s proto=%d", c->id,
		    kim_logq(q, sizeof(q), a->client), a->proto);
	if (a->proto != PROTO_VERSION)
		r->status = step_refuse(c, KIM_E_VERSION,
		    "the display speaks protocol "
		    "version %d, the mobile %d",
		    PROTO_VERSION, a->proto);
	else if (c->authed) /* no access code: hello claims, as always */
		r->status =
		    step_claim(c) ? step_refuse(c, KIM_E_BUSY, NULL) : 0;
	else /* busy or free; the claim waits for the code */
		r->status =
		    step_busy_for(c) ? step_refuse(c, KIM_E_BUSY, NULL) : 0;
}

#define AUTH_TRIES 3

/* The connection's source address (its peer without the port). */
static void
source_of(const struct conn *c, char *out, size_t len)
{
	const char *colon = strrchr(c->peer, ':');
	size_t n = colon ? (size_t)(colon - c->peer) : strlen(c->peer);

	snprintf(out, len, "%.*s", (int)n, c->peer);
}

/* 0 if a code from c may be tried now, else the AUTH_WAIT refusal. */
static int
auth_wait(struct conn *c)
{
	struct display *d = c->d;
	char src[64];
	int global, wait;

	source_of(c, src, sizeof(src));
	pthread_mutex_lock(&d->lock);
	wait = kim_guard_wait(&d->guard, src, kim_now(), &global);
	pthread_mutex_unlock(&d->lock);
	if (wait == 0)
		return 0;
	return step_refuse(c, KIM_E_AUTH_WAIT,
	    "too many failed authentications %s: "
	    "try again in %d s",
	    global ? "on this display" : "from your address", wait);
}

/* A wrong code from c: counted across connections. */
static void
auth_failed(struct conn *c, const char *what)
{
	struct display *d = c->d;
	unsigned long fails;
	char src[64];
	int alarm, global, wait;
	double now = kim_now();

	source_of(c, src, sizeof(src));
	pthread_mutex_lock(&d->lock);
	alarm = kim_guard_fail(&d->guard, src, now);
	wait = kim_guard_wait(&d->guard, src, now, &global);
	fails = d->guard.fails;
	pthread_mutex_unlock(&d->lock);
	if (alarm)
		kim_log("auth",
		    "under attack? %lu failed authentications since "
		    "start, the last (%s) from %s; it now waits %d s (%s) before "
		    "its next try",
		    fails, what, src, wait,
		    global ? "the display-wide limit" : "its own backoff");
}

/* c proved one factor: the guard forgets its source. */
static void
auth_ok_source(struct conn *c)
{
	char src[64];

	source_of(c, src, sizeof(src));
	pthread_mutex_lock(&c->d->lock);
	kim_guard_ok(&c->d->guard, src);
	pthread_mutex_unlock(&c->d->lock);
}

/* The access code or the screen code (the same HMAC challenge-response,
 * rpc/access.h); *done when proven.  screen: the code is the idle screen's,
 * changed after every try that fails. */
static void
code_step(struct conn *c, const auth_arg *a, auth_res *r, int screen, int *done)
{
	struct display *d = c->d;
	char code[KIM_AUTH_CODE_MAX];
	unsigned char mac[KIM_AUTH_MAC];
	const char *mech = screen ? KIM_SCREEN_MECH : KIM_AUTH_MECH;
	int right;

	*done = 0;
	if (!c->have_nonce) { /* step 1: the challenge */
		if (RAND_bytes(c->nonce, sizeof(c->nonce)) != 1) {
			r->status = step_refuse(c, KIM_E_INTERNAL, NULL);
			return;
		}
		c->have_nonce = 1;
		snprintf(c->sasl_mech, sizeof(c->sasl_mech), "%s", mech);
		r->token.token_val = malloc(sizeof(c->nonce));
		memcpy(r->token.token_val, c->nonce, sizeof(c->nonce));
		r->token.token_len = sizeof(c->nonce);
		r->status = KIM_E_AUTH_CONTINUE;
		return;
	}
	c->have_nonce = 0; /* a challenge answers once */
	c->sasl_mech[0] = '\0';
	if (screen) {
		pthread_mutex_lock(&d->lock);
		snprintf(code, sizeof(code), "%s", d->screen_code);
		pthread_mutex_unlock(&d->lock);
	} else
		snprintf(code, sizeof(code), "%s", d->cfg->auth_code);
	right = code[0] && a->token.token_len == KIM_AUTH_MAC &&
	    kim_auth_mac(code, c->nonce, sizeof(c->nonce), mac) == 0 &&
	    CRYPTO_memcmp(mac, a->token.token_val, KIM_AUTH_MAC) == 0;
	explicit_bzero(code, sizeof(code));
	if (right) {
		kim_log("auth", "conn=%u mechanism=%s ok", c->id, mech);
		if (screen) /* one-time */
			screen_code_new(d, "used", 1);
		*done = 1;
		r->status = 0;
		return;
	}
	if (screen)
		screen_code_new(d, "a wrong code was typed", 1);
	r->status = KIM_E_AUTH_FAILED;
}

/* Every factor the display asks for is proven (docs/operator.md): the
 * account (SASL or the access code) and the screen code, or with
 * auth_any either one. */
static int
factors_done(const struct conn *c)
{
	const struct display_config *cfg = c->d->cfg;
	int account = cfg->sasl || cfg->auth_code, screen = cfg->screen_code;

	if (cfg->auth_any)
		return c->sasl_done || c->screen_done;
	return (!account || c->sasl_done) && (!screen || c->screen_done);
}

void
session_auth(struct conn *c, const auth_arg *a, auth_res *r)
{
	const struct display_config *cfg = c->d->cfg;
	char mechs[KIM_NAME_MAX], q[KIM_LOGQ_MAX];
	int done = 0, screen = 0, sasl = 0;

	r->token.token_len = 0;
	r->token.token_val = NULL;
	if (step_busy_for(c)) {
		r->status = step_refuse(c, KIM_E_BUSY, NULL);
		return;
	}
	if (c->authed) { /* nothing configured, or proven already */
		if (cfg->auth_code == NULL && !cfg->sasl && !cfg->screen_code)
			kim_log("auth", "conn=%u mechanism=none ok", c->id);
		r->status =
		    step_claim(c) ? step_refuse(c, KIM_E_BUSY, NULL) : 0;
		return;
	}
	/* one mechanism at a time: another name abandons the one under way */
	if (c->sasl_mech[0] && strcmp(a->mech, c->sasl_mech) != 0) {
		dsasl_free(c);
		c->have_nonce = 0;
	}
	if (strcmp(a->mech, KIM_SCREEN_MECH) == 0 && cfg->screen_code)
		screen = 1;
	else if (strcmp(a->mech, KIM_AUTH_MECH) == 0 && cfg->auth_code)
		;
	else if (c->sasl_mech[0] || dsasl_offers(c, a->mech))
		sasl = 1;
	else {
		dsasl_mechs(c, mechs, sizeof(mechs));
		r->status = step_refuse(c, KIM_E_AUTH_MECH,
		    "this display does not "
		    "offer the mechanism %s here; it offers: %s",
		    kim_logq(q, sizeof(q), a->mech), mechs[0] ? mechs : "none");
		return;
	}
	/* a try begins: is this source (or the display) made to wait? */
	if (!c->sasl_mech[0] && (r->status = auth_wait(c)) != 0) {
		c->have_nonce = 0;
		return;
	}
	if (sasl)
		dsasl_step(c, a, r, &done);
	else
		code_step(c, a, r, screen, &done);
	if (r->status == KIM_E_AUTH_CONTINUE)
		return;
	if (r->status == KIM_E_AUTH_MECH) {
		r->status = step_refuse(c, KIM_E_AUTH_MECH,
		    "the display cannot use "
		    "the mechanism %s on this link",
		    kim_logq(q, sizeof(q), a->mech));
		return;
	}
	if (r->status == KIM_E_AUTH_FAILED) {
		auth_failed(c,
		    screen     ? "screen code"
			: sasl ? "SASL"
			       : "access code");
		if (++c->auth_failures >= AUTH_TRIES)
			c->close_after_reply = 1;
		r->status = step_refuse(c, KIM_E_AUTH_FAILED,
		    "%s (%d of %d tries)",
		    screen
			? "wrong code (a new one is on the display's screen now)"
			: sasl ? "wrong user name or password"
			       : "wrong access code",
		    c->auth_failures, AUTH_TRIES);
		return;
	}
	if (!done)
		return; /* an internal refusal, said already */
	auth_ok_source(c);
	if (screen)
		c->screen_done = 1;
	else
		c->sasl_done = 1;
	if (!factors_done(c)) { /* the token (SASL's last word) goes along */
		r->status = KIM_E_AUTH_REQUIRED;
		snprintf(c->last_error, sizeof(c->last_error), "%s",
		    c->screen_done
			? "now your account on this display"
			: "now the code on the display's screen (mechanism " KIM_SCREEN_MECH
			  ")");
		kim_log("auth",
		    "conn=%u one factor proven; the other is asked for", c->id);
		return;
	}
	c->authed = 1;
	/* only now may this connection own the display */
	if (step_claim(c)) {
		free(r->token.token_val);
		r->token.token_val = NULL;
		r->token.token_len = 0;
		r->status = step_refuse(c, KIM_E_BUSY, NULL);
	} else
		r->status = 0;
}
