/* access.c -- see access.h. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "access.h"

int
kim_auth_mac(const char *code, const unsigned char *nonce, size_t nonce_len,
    unsigned char mac[KIM_AUTH_MAC])
{
	unsigned len = 0;

	return HMAC(EVP_sha256(), code, (int)strlen(code), nonce, nonce_len,
		   mac, &len) &&
		len == KIM_AUTH_MAC
	    ? 0
	    : -1;
}

int
kim_auth_read_code(const char *path, char *code, size_t len)
{
	FILE *f = fopen(path, "re");
	int rc = -1;

	if (f == NULL)
		return -1;
	if (fgets(code, (int)len, f) != NULL) {
		code[strcspn(code, "\r\n")] = '\0';
		rc = code[0] ? 0 : -1;
	}
	fclose(f);
	return rc;
}

/* ---- the guard ---------------------------------------------------------- */

static void
guard_refill(struct kim_guard *g, double now)
{
	if (!g->ready) {
		g->ready = 1;
		g->tokens = KIM_GUARD_BURST;
		g->refilled = now;
		g->alarmed = -1e9;
	}
	if (now > g->refilled) {
		g->tokens += (now - g->refilled) * KIM_GUARD_RATE;
		if (g->tokens > KIM_GUARD_BURST)
			g->tokens = KIM_GUARD_BURST;
		g->refilled = now;
	}
}

/* addr's slot, or NULL; create: take a free or the least recent slot. */
static struct kim_guard_src *
guard_find(struct kim_guard *g, const char *addr, double now, int create)
{
	struct kim_guard_src *oldest = &g->src[0];

	for (int i = 0; i < KIM_GUARD_SOURCES; i++) {
		struct kim_guard_src *s = &g->src[i];
		if (s->addr[0] && now - s->seen > KIM_GUARD_FORGET &&
		    now >= s->until)
			s->addr[0] = '\0';
		if (s->addr[0] && strcmp(s->addr, addr) == 0)
			return s;
		if (s->addr[0] == '\0' ||
		    (oldest->addr[0] != '\0' && s->seen < oldest->seen))
			oldest = s;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
	return oldest;
}

int
kim_guard_wait(struct kim_guard *g, const char *addr, double now, int *global)
{
	struct kim_guard_src *s;
	double w = 0;

	guard_refill(g, now);
	*global = 0;
	if ((s = guard_find(g, addr, now, 0)) != NULL && s->until > now)
		w = s->until - now;
	if (g->tokens < 1 && (1 - g->tokens) / KIM_GUARD_RATE > w) {
		w = (1 - g->tokens) / KIM_GUARD_RATE;
		*global = 1;
	}
	return w > 0 ? (int)w + (w > (int)w) : 0; /* rounded up */
}

int
kim_guard_fail(struct kim_guard *g, const char *addr, double now)
{
	struct kim_guard_src *s;
	int alarm = 0;

	guard_refill(g, now);
	g->fails++;
	g->tokens -= 1;
	if (g->tokens < 1)
		alarm = 1;
	s = guard_find(g, addr, now, 1);
	s->seen = now;
	if (++s->fails > KIM_GUARD_FREE) {
		unsigned n = s->fails - KIM_GUARD_FREE - 1;
		double w = n >= 16 ? KIM_GUARD_WAIT_MAX : (double)(1u << n);
		s->until =
		    now + (w < KIM_GUARD_WAIT_MAX ? w : KIM_GUARD_WAIT_MAX);
		alarm = 1;
	}
	if (alarm && now - g->alarmed >= KIM_GUARD_ALARM) {
		g->alarmed = now;
		return 1;
	}
	return 0;
}

void
kim_guard_ok(struct kim_guard *g, const char *addr)
{
	struct kim_guard_src *s = guard_find(g, addr, g->refilled, 0);

	if (s)
		memset(s, 0, sizeof(*s));
}
