/* sasl.h -- docs/design.md step 4 and docs/operator.md "Authentication":
 * the display's side of Cyrus SASL (service "kimberley") behind AUTH_STEP,
 * and the one-time code on the idle screen (mechanism "screen-code"). */
#ifndef KIM_DSASL_H
#define KIM_DSASL_H

#include <stddef.h>

#include "session.h"

#define KIM_SCREEN_MECH "screen-code"
#define KIM_SCREEN_CODE_LEN 10 /* digits, as the shortest access code */

/* Load the SASL library and its plugins for the service "kimberley", its
 * config read from conf_dir (NULL: SASL's default, /etc/sasl2).  The
 * mechanisms a direct link would get go into mechs.  0, or -1 with a
 * sentence in why. */
int dsasl_init(
    const char *conf_dir, char *mechs, size_t mlen, char *why, size_t whylen);
/* The mechanisms c may use, space separated (SASL's own, then
 * access-code and screen-code as configured) into out. */
void dsasl_mechs(struct conn *c, char *out, size_t len);
/* One AUTH_STEP of a SASL mechanism: *done = 1 when this factor is proven.
 * r->status is KIM_E_AUTH_CONTINUE, a refusal, or 0 (then *done). */
void dsasl_step(struct conn *c, const auth_arg *a, auth_res *r, int *done);
/* 1 if mech is one of SASL's for c. */
int dsasl_offers(struct conn *c, const char *mech);
/* Forget c's SASL state (the connection ends). */
void dsasl_free(struct conn *c);

/* A new screen code (the old one is void), logged without the code;
 * show: and put it on the idle screen now, if nobody owns the display.
 * why: for the log. */
void screen_code_new(struct display *d, const char *why, int show);

#endif
