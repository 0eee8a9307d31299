/* hello.c -- docs/design.md step 4, log steps "hello" and "auth": the
 * versions, and the access code (challenge-response, rpc/access.c) that
 * must be proven before a connection may claim the display. */
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

/* ---- hello and authentication -------------------------------------------- */

void
session_hello(struct conn *c, const hello_arg *a, hello_res *r)
{
	r->proto = PROTO_VERSION;
	r->display_name = strdup(c->d->cfg->name);
	r->auth_mechs = strdup(c->d->cfg->auth_code ? KIM_AUTH_MECH : "");
	r->usb_threshold_ms = c->d->cfg->usb_threshold_ms;
	char q[KIM_LOGQ_MAX];

	if (++c->hellos <= HELLO_LOG_MAX)
		kim_log("hello", "conn=%u client=%s proto=%d", c->id,
		    kim_logq(q, sizeof(q), a->client), a->proto);
	if (a->proto != PROTO_VERSION)
		r->status = step_refuse(c, KIM_E_VERSION, "the display speaks protocol "
		    "version %d, the mobile %d", PROTO_VERSION, a->proto);
	else if (c->authed)	/* no access code: hello claims, as always */
		r->status = step_claim(c) ? step_refuse(c, KIM_E_BUSY, NULL) : 0;
	else			/* busy or free; the claim waits for the code */
		r->status = step_busy_for(c) ? step_refuse(c, KIM_E_BUSY, NULL) : 0;
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
	return step_refuse(c, KIM_E_AUTH_WAIT, "too many wrong access codes %s: try "
	    "again in %d s", global ? "tried on this display" :
	    "from your address", wait);
}

/* A wrong code from c: counted across connections. */
static void
auth_failed(struct conn *c)
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
		kim_log("auth", "under attack? %lu wrong access codes since start, "
		    "the last from %s; it now waits %d s (%s) before its next "
		    "code is tried", fails, src, wait, global ?
		    "the display-wide limit" : "its own backoff");
}

void
session_auth(struct conn *c, const auth_arg *a, auth_res *r)
{
	const char *code = c->d->cfg->auth_code;
	unsigned char mac[KIM_AUTH_MAC];

	r->token.token_len = 0;
	r->token.token_val = NULL;
	if (step_busy_for(c)) {
		r->status = step_refuse(c, KIM_E_BUSY, NULL);
		return;
	}
	if (code == NULL) {	/* no mechanism configured: one step succeeds */
		c->authed = 1;
		kim_log("auth", "conn=%u mechanism=none ok", c->id);
		r->status = step_claim(c) ? step_refuse(c, KIM_E_BUSY, NULL) : 0;
		return;
	}
	if (strcmp(a->mech, KIM_AUTH_MECH) != 0) {
		r->status = step_refuse(c, KIM_E_AUTH_MECH, "this display asks for its "
		    "access code (mechanism '%s'), not '%s'", KIM_AUTH_MECH, a->mech);
		return;
	}
	if ((r->status = auth_wait(c)) != 0) {
		c->have_nonce = 0;
		return;
	}
	if (!c->have_nonce) {	/* step 1: the challenge */
		if (RAND_bytes(c->nonce, sizeof(c->nonce)) != 1) {
			r->status = step_refuse(c, KIM_E_INTERNAL, NULL);
			return;
		}
		c->have_nonce = 1;
		r->token.token_val = malloc(sizeof(c->nonce));
		memcpy(r->token.token_val, c->nonce, sizeof(c->nonce));
		r->token.token_len = sizeof(c->nonce);
		r->status = KIM_E_AUTH_CONTINUE;
		return;
	}
	c->have_nonce = 0;	/* a challenge answers once */
	if (a->token.token_len == KIM_AUTH_MAC &&
	    kim_auth_mac(code, c->nonce, sizeof(c->nonce), mac) == 0 &&
	    CRYPTO_memcmp(mac, a->token.token_val, KIM_AUTH_MAC) == 0) {
		char src[64];
		source_of(c, src, sizeof(src));
		pthread_mutex_lock(&c->d->lock);
		kim_guard_ok(&c->d->guard, src);
		pthread_mutex_unlock(&c->d->lock);
		c->authed = 1;
		kim_log("auth", "conn=%u mechanism=%s ok", c->id, KIM_AUTH_MECH);
		/* only now may this connection own the display */
		r->status = step_claim(c) ? step_refuse(c, KIM_E_BUSY, NULL) : 0;
		return;
	}
	auth_failed(c);
	if (++c->auth_failures >= AUTH_TRIES)
		c->close_after_reply = 1;
	r->status = step_refuse(c, KIM_E_AUTH_FAILED, "wrong access code (%d of %d "
	    "tries)", c->auth_failures, AUTH_TRIES);
}
