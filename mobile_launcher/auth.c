/* auth.c -- docs/design.md step 4 on the mobile: which factor, which SASL
 * mechanism, and the AUTH_STEP rounds.  Secrets come from a file or the
 * terminal (no echo), never from argv, and are wiped after use. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sasl/sasl.h>

#include "access.h"
#include "auth.h"
#include "config.h"
#include "errors.h"
#include "kimberley.h"
#include "log.h"

#define SCREEN_MECH "screen-code"

/* 1 if word is one of the space-separated list's. */
static int
offered(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; n && (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* A line from the terminal, echoed or not; -1 when there is none. */
static int
ask(const char *prompt, int echo, char *buf, size_t len)
{
	struct termios t, quiet;
	int fd = STDIN_FILENO, ok;

	if (!isatty(fd))
		return -1;
	tcgetattr(fd, &t);
	quiet = t;
	if (!echo) { /* before the prompt: nothing typed is shown */
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	ok = fgets(buf, (int)len, stdin) != NULL;
	if (!echo) {
		tcsetattr(fd, TCSAFLUSH, &t);
		fputc('\n', stderr);
	}
	if (!ok)
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* One AUTH_STEP; the answer in r (the caller frees it). */
static int
step(CLIENT *c, const char *mech, const char *tok, unsigned len, auth_res *r,
    char *why, size_t wlen)
{
	auth_arg a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.mech = (char *)mech;
	a.token.token_val = (char *)tok;
	a.token.token_len = len;
	if (auth_step_1(a, r, c) != RPC_SUCCESS) {
		snprintf(why, wlen,
		    "the display did not answer during authentication");
		return KIM_E_LINK;
	}
	return 0;
}

/* ---- the access code and the screen code (HMAC challenge-response) ---- */

static int
code_factor(CLIENT *c, const char *mech, const char *code, char *why,
    size_t wlen, int *from_display)
{
	unsigned char mac[KIM_AUTH_MAC];
	auth_res r;
	int rc;

	if ((rc = step(c, mech, "", 0, &r, why, wlen)) != 0)
		return rc;
	if (r.status == KIM_E_AUTH_CONTINUE) {
		rc = r.token.token_len != KIM_AUTH_NONCE ||
		    kim_auth_mac(code, (unsigned char *)r.token.token_val,
			r.token.token_len, mac) != 0;
		xdr_free((xdrproc_t)xdr_auth_res, (char *)&r);
		if (rc) {
			snprintf(
			    why, wlen, "the display's challenge was malformed");
			return KIM_E_AUTH_FAILED;
		}
		rc = step(c, mech, (char *)mac, sizeof(mac), &r, why, wlen);
		explicit_bzero(mac, sizeof(mac));
		if (rc)
			return rc;
	}
	rc = r.status;
	xdr_free((xdrproc_t)xdr_auth_res, (char *)&r);
	if (rc != 0)
		*from_display = 1;
	return rc;
}

/* A code the person knows: the first line of file, or typed (no echo) after
 * prompt (one %s: the display's name).  0, or -1 with why said (what: "the
 * screen code"; no_tty: the sentence when there is no terminal, one %s). */
static int
read_code(const char *file, const char *what, const char *display,
    const char *prompt, const char *no_tty, char *buf, size_t len, char *why,
    size_t wlen)
{
	char p[600];

	if (file) {
		if (kim_auth_read_code(file, buf, len) == 0)
			return 0;
		snprintf(why, wlen, "cannot read %s from %s (its first line)",
		    what, file);
		return -1;
	}
	snprintf(p, sizeof(p), prompt, display);
	if (ask(p, 0, buf, len) == 0)
		return 0;
	snprintf(why, wlen, no_tty, display);
	return -1;
}

static int
screen_factor(CLIENT *c, const struct auth_opts *o, char *why, size_t wlen,
    int *from_display)
{
	char line[128], code[64];
	size_t n = 0;
	int rc;

	if (read_code(o->screen_file, "the screen code", o->display_name,
		"Type the code shown on the screen of '%s': ",
		"'%s' asks for the code on its screen; type it on a terminal, "
		"or give it with --screen-code-file FILE",
		line, sizeof(line), why, wlen) != 0)
		return KIM_E_AUTH_REQUIRED;
	for (const char *p = line; *p && n + 1 < sizeof(code); p++)
		if (*p != ' ' && *p != '-') /* as shown: "12345 67890" */
			code[n++] = *p;
	code[n] = '\0';
	explicit_bzero(line, sizeof(line));
	rc = code_factor(c, SCREEN_MECH, code, why, wlen, from_display);
	explicit_bzero(code, sizeof(code));
	return rc;
}

/* ---- SASL ------------------------------------------------------------------ */

struct secrets {
	char user[256];
	char pass[512];
	sasl_secret_t *secret;
};

static int
get_user(void *ctx, int id, const char **result, unsigned *len)
{
	struct secrets *s = ctx;

	if (id != SASL_CB_USER && id != SASL_CB_AUTHNAME)
		return SASL_BADPARAM;
	*result = s->user;
	if (len)
		*len = (unsigned)strlen(s->user);
	return SASL_OK;
}

static int
get_pass(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **psecret)
{
	struct secrets *s = ctx;
	size_t n = strlen(s->pass);

	(void)conn;
	if (id != SASL_CB_PASS)
		return SASL_BADPARAM;
	if (s->secret == NULL) {
		if ((s->secret = calloc(1, sizeof(*s->secret) + n + 1)) == NULL)
			return SASL_NOMEM;
		s->secret->len = n;
		memcpy(s->secret->data, s->pass, n);
	}
	*psecret = s->secret;
	return SASL_OK;
}

/* SASL's callbacks are declared int (*)(void); through void (*)(void),
 * which GCC lets match any function type */
#define SASL_FN(f) ((int (*)(void))(void (*)(void))(f))

/* The mechanisms to try, best first: MAUTH_PREFERRED's that are offered,
 * then any other SASL one offered (a site's plugin). */
static void
sasl_choices(
    const char *mechs, const struct auth_opts *o, char *out, size_t len)
{
	char buf[1024], *save = NULL, *w;
	size_t at = 0;

	out[0] = '\0';
	if (o->mech) {
		snprintf(out, len, "%s", o->mech);
		return;
	}
	snprintf(buf, sizeof(buf), "%s", MAUTH_PREFERRED);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (offered(mechs, w))
			at += (size_t)snprintf(
			    out + at, len - at, "%s%s", at ? " " : "", w);
	snprintf(buf, sizeof(buf), "%s", mechs);
	for (w = strtok_r(buf, " ", &save); w && at < len;
	     w = strtok_r(NULL, " ", &save))
		if (!offered(MAUTH_PREFERRED, w) &&
		    strcmp(w, KIM_AUTH_MECH) != 0 &&
		    strcmp(w, SCREEN_MECH) != 0)
			at += (size_t)snprintf(
			    out + at, len - at, "%s%s", at ? " " : "", w);
}

static int
sasl_factor(CLIENT *c, const char *mechs, const struct auth_opts *o, char *used,
    size_t ulen, char *why, size_t wlen, int *from_display)
{
	static int ready;
	struct secrets s;
	sasl_callback_t cbs[] = {
		{ SASL_CB_USER, SASL_FN(get_user), &s },
		{ SASL_CB_AUTHNAME, SASL_FN(get_user), &s },
		{ SASL_CB_PASS, SASL_FN(get_pass), &s },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	sasl_security_properties_t sp;
	sasl_conn_t *conn = NULL;
	const char *out = NULL, *mech = NULL;
	unsigned outlen = 0;
	char choices[1024], prompt[600];
	auth_res r;
	int rc, src, status;

	sasl_choices(mechs, o, choices, sizeof(choices));
	if (o->mech && !offered(mechs, o->mech)) {
		snprintf(why, wlen,
		    "'%s' does not offer the mechanism %s (it offers: "
		    "%s)",
		    o->display_name, o->mech, mechs[0] ? mechs : "none");
		return KIM_E_AUTH_MECH;
	}
	memset(&s, 0, sizeof(s));
	if (o->user)
		snprintf(s.user, sizeof(s.user), "%s", o->user);
	else {
		snprintf(prompt, sizeof(prompt),
		    "User name on '%s': ", o->display_name);
		if (ask(prompt, 1, s.user, sizeof(s.user)) != 0) {
			snprintf(why, wlen,
			    "'%s' asks for a user name and password; "
			    "give them with --auth-file FILE (sasl-user = ..., "
			    "sasl-password = ...) or type them on a terminal",
			    o->display_name);
			return KIM_E_AUTH_REQUIRED;
		}
	}
	if (o->password)
		snprintf(s.pass, sizeof(s.pass), "%s", o->password);
	else {
		snprintf(prompt, sizeof(prompt),
		    "Password of %s on '%s': ", s.user, o->display_name);
		if (ask(prompt, 0, s.pass, sizeof(s.pass)) != 0) {
			snprintf(why, wlen,
			    "'%s' asks for the password of %s; give it "
			    "with --auth-file FILE (sasl-password = ...) or type it "
			    "on a terminal",
			    o->display_name, s.user);
			return KIM_E_AUTH_REQUIRED;
		}
	}
	if (!ready && (rc = sasl_client_init(NULL)) != SASL_OK) {
		snprintf(why, wlen, "SASL does not start here: %s",
		    sasl_errstring(rc, NULL, NULL));
		status = KIM_E_INTERNAL;
		goto out;
	}
	ready = 1;
	status = KIM_E_AUTH_MECH;
	if (sasl_client_new("kimberley", o->host, NULL, NULL, cbs, 0, &conn) !=
	    SASL_OK) {
		snprintf(why, wlen, "SASL: cannot make a client connection");
		goto out;
	}
	memset(&sp, 0, sizeof(sp));
	/* a password in the clear only inside the tunnel: an impostor on a
	 * direct link offering PLAIN gets nothing */
	sp.security_flags =
	    SASL_SEC_NOANONYMOUS | (o->plain_ok ? 0 : SASL_SEC_NOPLAINTEXT);
	sasl_setprop(conn, SASL_SEC_PROPS, &sp);
	rc = choices[0]
	    ? sasl_client_start(conn, choices, NULL, &out, &outlen, &mech)
	    : SASL_NOMECH;
	if (rc != SASL_OK && rc != SASL_CONTINUE) {
		snprintf(why, wlen,
		    "'%s' offers %s; this mobile can do none of %s "
		    "on this link%s",
		    o->display_name, mechs[0] ? mechs : "nothing",
		    choices[0] ? "them" : "its SASL mechanisms",
		    o->plain_ok ? ""
				: " (PLAIN and LOGIN only through the "
				  "encrypted tunnel)");
		goto out;
	}
	snprintf(used, ulen, "%s", mech);
	for (;;) {
		if ((status = step(c, mech, out, outlen, &r, why, wlen)) != 0)
			goto out;
		status = r.status;
		if (status == KIM_E_AUTH_CONTINUE ||
		    ((status == 0 || status == KIM_E_AUTH_REQUIRED) &&
			r.token.token_len > 0)) {
			/* the display's challenge, or its last word (SCRAM's
			 * proof that it knows the password: checked) */
			src = sasl_client_step(conn, r.token.token_val,
			    r.token.token_len, NULL, &out, &outlen);
			xdr_free((xdrproc_t)xdr_auth_res, (char *)&r);
			if (src != SASL_OK && src != SASL_CONTINUE) {
				snprintf(why, wlen,
				    "the display's answer in %s is not "
				    "right (%s): it may not be the display it claims "
				    "to be",
				    mech, sasl_errdetail(conn));
				status = KIM_E_AUTH_FAILED;
				goto out;
			}
			if (status == KIM_E_AUTH_CONTINUE)
				continue;
		} else
			xdr_free((xdrproc_t)xdr_auth_res, (char *)&r);
		break;
	}
	if (status != 0)
		*from_display = 1;
out:
	if (conn)
		sasl_dispose(&conn);
	if (s.secret) {
		explicit_bzero(s.secret->data, s.secret->len);
		free(s.secret);
	}
	explicit_bzero(&s, sizeof(s));
	return status;
}

/* ---- which factors ---------------------------------------------------------- */

static int
has_sasl(const char *mechs)
{
	char buf[1024], *save = NULL, *w;

	snprintf(buf, sizeof(buf), "%s", mechs);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (strcmp(w, KIM_AUTH_MECH) != 0 &&
		    strcmp(w, SCREEN_MECH) != 0)
			return 1;
	return 0;
}

static int
account_factor(CLIENT *c, const char *mechs, const struct auth_opts *o,
    char *used, size_t ulen, char *why, size_t wlen, int *from_display)
{
	char code[KIM_AUTH_CODE_MAX];
	int rc;

	if (offered(mechs, KIM_AUTH_MECH) &&
	    (o->code_file || !has_sasl(mechs))) {
		snprintf(used, ulen, "%s", KIM_AUTH_MECH);
		if (read_code(o->code_file, "an access code", o->display_name,
			"'%s' asks for its access code: ",
			"'%s' asks for its access code; give it with "
			"--access-code-file FILE",
			code, sizeof(code), why, wlen) != 0)
			return KIM_E_AUTH_REQUIRED;
		rc = code_factor(
		    c, KIM_AUTH_MECH, code, why, wlen, from_display);
		explicit_bzero(code, sizeof(code));
		return rc;
	}
	return sasl_factor(c, mechs, o, used, ulen, why, wlen, from_display);
}

int
auth_run(CLIENT *c, const char *mechs, const struct auth_opts *o, char *used,
    size_t ulen, char *why, size_t wlen, int *from_display)
{
	int account = has_sasl(mechs) || offered(mechs, KIM_AUTH_MECH);
	int screen = offered(mechs, SCREEN_MECH), rc;
	char one[64] = "";

	*from_display = 0;
	why[0] = '\0';
	snprintf(used, ulen, "none");
	if (o->mech && !offered(mechs, o->mech)) {
		snprintf(why, wlen,
		    "'%s' does not offer the mechanism %s (it offers: "
		    "%s)",
		    o->display_name, o->mech, mechs[0] ? mechs : "none");
		return KIM_E_AUTH_MECH;
	}
	if (!account && !screen) { /* nothing asked: one "none" step */
		auth_res r;
		if ((rc = step(c, "none", "", 0, &r, why, wlen)) != 0)
			return rc;
		rc = r.status;
		xdr_free((xdrproc_t)xdr_auth_res, (char *)&r);
		*from_display = rc != 0;
		return rc;
	}
	/* the screen code first when the person has no account configured
	 * (a display content with either asks for no more) */
	if (screen && (!account || (!o->user && !o->code_file && !o->mech))) {
		snprintf(used, ulen, "%s", SCREEN_MECH);
		rc = screen_factor(c, o, why, wlen, from_display);
		if (rc != KIM_E_AUTH_REQUIRED || !*from_display || !account)
			return rc;
		*from_display = 0;
		rc = account_factor(
		    c, mechs, o, one, sizeof(one), why, wlen, from_display);
		snprintf(used, ulen, "%s+%s", SCREEN_MECH, one);
		return rc;
	}
	rc = account_factor(
	    c, mechs, o, one, sizeof(one), why, wlen, from_display);
	snprintf(used, ulen, "%s", one);
	if (rc != KIM_E_AUTH_REQUIRED || !*from_display || !screen)
		return rc;
	*from_display = 0;
	rc = screen_factor(c, o, why, wlen, from_display);
	snprintf(used, ulen, "%s+%s", one, SCREEN_MECH);
	return rc;
}

/* ---- the credentials file ------------------------------------------------------ */

struct cred {
	char **user, **password;
};

static int
cred_setting(void *arg, const char *key, const char *value)
{
	struct cred *cr = arg;
	char **slot = strcmp(key, "sasl-user") == 0 ? cr->user
	    : strcmp(key, "sasl-password") == 0	    ? cr->password
						    : NULL;

	if (slot == NULL)
		return -1;
	if (*slot) {
		explicit_bzero(*slot, strlen(*slot));
		free(*slot);
	}
	return (*slot = strdup(value)) ? 0 : -1;
}

int
auth_read_file(
    const char *path, char **user, char **password, char *why, size_t wlen)
{
	struct cred cr = { user, password };
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(why, wlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(why, wlen,
		    "%s may be read by others (mode %03o): it holds "
		    "a password; chmod 600 it",
		    path, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return kim_config_load(path, 1, cred_setting, &cr, why, wlen) < 0 ? -1
									  : 0;
}
