/* access.h -- docs/design.md step 4: the "access-code" mechanism, a challenge and
 * response over a display's shared access code (HMAC-SHA256), so the code
 * itself never crosses the link:
 *   mobile: auth_step("access-code", "")        display: AUTH_CONTINUE, nonce
 *   mobile: auth_step("access-code", HMAC(code, nonce))   display: 0 or AUTH_FAILED
 * With no mechanism configured, one step ("none") succeeds. */
#ifndef KIM_ACCESS_H
#define KIM_ACCESS_H

#include <stddef.h>

#define KIM_AUTH_MECH "access-code"
#define KIM_AUTH_NONCE 32
#define KIM_AUTH_MAC 32
#define KIM_AUTH_CODE_MAX 256

/* The shortest access code the display accepts.  Wrong codes are limited
 * display-wide to KIM_GUARD_BURST at once and KIM_GUARD_RATE per second
 * after that: at most ~3.2e7 guesses in a year of non-stop guessing.  The
 * weakest code of 10 characters people choose, 10 digits (1e10), then
 * resists a year with 99.7 %; 8 digits (1e8) would fall within a year with
 * about 30 %. */
#define KIM_AUTH_CODE_MIN 10

/* mac = HMAC-SHA256(code, nonce).  0 or -1. */
int kim_auth_mac(const char *code, const unsigned char *nonce, size_t nonce_len,
    unsigned char mac[KIM_AUTH_MAC]);
/* The first line of path, without its newline, into code.  0 or -1. */
int kim_auth_read_code(const char *path, char *code, size_t len);

/* ---- the guard: wrong codes across connections (issue 10 item 10) ----
 * Each source address may get KIM_GUARD_FREE codes wrong; each further one
 * makes it wait 1, 2, 4, ... s (at most KIM_GUARD_WAIT_MAX) before its next
 * code is even tried; an address that stays quiet KIM_GUARD_FORGET s is
 * forgotten.  Display-wide, wrong codes are a token bucket (KIM_GUARD_BURST
 * at once, KIM_GUARD_RATE per second), so many addresses guess no faster.
 * Times are kim_now()'s monotonic seconds, passed in (for tests). */
#define KIM_GUARD_SOURCES 64   /* addresses remembered (least recent goes) */
#define KIM_GUARD_FREE 3       /* wrong codes from one address without a wait */
#define KIM_GUARD_WAIT_MAX 300 /* s, the longest wait for one address */
#define KIM_GUARD_FORGET 3600  /* s quiet before an address is forgotten */
#define KIM_GUARD_BURST 10     /* wrong codes display-wide at once ... */
#define KIM_GUARD_RATE 1.0     /* ... and per second after that */
#define KIM_GUARD_ALARM 60     /* s between two "under attack" log lines */

struct kim_guard_src {
	char addr[48];	/* "" = free slot */
	unsigned fails; /* wrong codes in a row */
	double until;	/* no code tried before this time */
	double seen;	/* last wrong code */
};

struct kim_guard {
	struct kim_guard_src src[KIM_GUARD_SOURCES];
	double tokens, refilled; /* the display-wide bucket */
	double alarmed;		 /* last "under attack" verdict */
	unsigned long fails;	 /* wrong codes since start */
	int ready;
};

/* Seconds (rounded up) addr must wait before a code of its is tried; 0 now.
 * *global: set to 1 when the display-wide limit is why. */
int
kim_guard_wait(struct kim_guard *g, const char *addr, double now, int *global);
/* A wrong code from addr.  Returns 1 when the display should log that it is
 * under attack (an address now waits, or the display-wide bucket ran dry;
 * at most once per KIM_GUARD_ALARM s). */
int kim_guard_fail(struct kim_guard *g, const char *addr, double now);
/* The right code from addr: it starts afresh. */
void kim_guard_ok(struct kim_guard *g, const char *addr);

#endif
