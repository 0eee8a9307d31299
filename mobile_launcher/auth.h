/* auth.h -- docs/design.md step 4, the mobile's side: the best mechanism the
 * display offers that this mobile can do (SASL, the access code, the code
 * on the display's screen), run over AUTH_STEP.  docs/operator.md says how
 * a display asks for each. */
#ifndef KIM_MAUTH_H
#define KIM_MAUTH_H

#include <stddef.h>

#include <rpc/rpc.h>

struct auth_opts {
	const char *display_name; /* printable */
	const char *host;	  /* the display's host (SASL's server name) */
	int plain_ok;		  /* the link is the encrypted tunnel (or
					   this machine): PLAIN may be used */
	const char *code_file;	  /* --access-code-file */
	const char *screen_file;  /* --screen-code-file */
	const char *mech;	  /* --sasl-mech: only this one */
	const char *user;	  /* SASL user name, NULL: ask */
	const char *password;	  /* from a file, never argv; NULL: ask */
};

/* SASL mechanisms the mobile prefers, best first. */
#define MAUTH_PREFERRED \
	"SCRAM-SHA-512 SCRAM-SHA-256 SCRAM-SHA-1 DIGEST-MD5 " \
	"CRAM-MD5 PLAIN LOGIN"

/* Authenticate on c against the display's offer (hello's auth_mechs).
 * 0 when the display says done, the mechanisms used in used.  Else a
 * KIM_E_ code with a sentence in why; *from_display = 1 when it is the
 * display's refusal (its LAST_ERROR says more). */
int auth_run(CLIENT *c, const char *mechs, const struct auth_opts *o,
    char *used, size_t ulen, char *why, size_t wlen, int *from_display);

/* Read "sasl-user = NAME" and "sasl-password = SECRET" from path, which
 * nobody but its owner may read.  0, or -1 with a sentence in why. */
int auth_read_file(
    const char *path, char **user, char **password, char *why, size_t wlen);

#endif
