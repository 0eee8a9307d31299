/* tls.c -- the display's identity and the mobile's pins.
 *
 * The display keeps one key and a self-signed certificate in its state
 * directory, made on first start.  The mobile pins each display's
 * certificate (SHA-256 of its DER form) the first time it meets it, in a
 * known-displays file like SSH's known_hosts:
 *     sha256:<hex> <display name>
 * and refuses a display whose certificate changed.  TLS 1.3 only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "kcm/kcm.h"

static int
mkdirs(const char *path, mode_t mode)
{
	char *p = strdup(path), *s;
	int r = 0;
	if (!p)
		return -1;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			r = -1;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		r = -1;
	free(p);
	return r;
}

static void
fingerprint(X509 *x, char *out, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	size_t o;
	X509_digest(x, EVP_sha256(), md, &n);
	o = (size_t)snprintf(out, len, "sha256:");
	for (i = 0; i < n && o + 3 <= len; i++)
		o += (size_t)snprintf(out + o, len - o, "%02x", md[i]);
}

/* Make a P-256 key and a self-signed certificate, written 0600 / 0644. */
static int
make_identity(const char *keyf, const char *crtf)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *nm;
	FILE *f;
	int ok = 0;
	mode_t old;

	if (!key || !x)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 100L * 365 * 24 * 3600);
	X509_set_pubkey(x, key);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	    (const unsigned char *)"Kimberley display", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	if (!X509_sign(x, key, EVP_sha256()))
		goto out;
	old = umask(077);
	f = fopen(keyf, "wx");
	umask(old);
	if (!f)
		goto out;
	ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	if (fclose(f) != 0)
		ok = 0;
	if (ok && (f = fopen(crtf, "w"))) {
		ok = PEM_write_X509(f, x);
		if (fclose(f) != 0)
			ok = 0;
	} else
		ok = 0;
out:
	EVP_PKEY_free(key);
	X509_free(x);
	return ok ? 0 : -1;
}

int
tls_init(struct kcm *k)
{
	char keyf[4096], crtf[4096];
	X509 *x;

	if (mkdirs(k->state_dir, 0700) < 0) {
		kcm_log(
		    "state directory %s: %s", k->state_dir, strerror(errno));
		return -1;
	}
	snprintf(keyf, sizeof keyf, "%s/kcm.key", k->state_dir);
	snprintf(crtf, sizeof crtf, "%s/kcm.crt", k->state_dir);
	if (access(keyf, F_OK) < 0) {
		if (make_identity(keyf, crtf) < 0) {
			kcm_log("cannot make the display identity in %s: %s",
			    k->state_dir,
			    ERR_reason_error_string(ERR_get_error()));
			return -1;
		}
		kcm_log("made a new display identity in %s", k->state_dir);
	}
	k->srv_ctx = SSL_CTX_new(TLS_server_method());
	k->cli_ctx = SSL_CTX_new(TLS_client_method());
	if (!k->srv_ctx || !k->cli_ctx)
		return -1;
	SSL_CTX_set_min_proto_version(k->srv_ctx, TLS1_3_VERSION);
	SSL_CTX_set_min_proto_version(k->cli_ctx, TLS1_3_VERSION);
	/* Bulk transfers: read many records per read(2), not header + body. */
	SSL_CTX_set_read_ahead(k->srv_ctx, 1);
	SSL_CTX_set_read_ahead(k->cli_ctx, 1);
	SSL_CTX_set_default_read_buffer_len(k->srv_ctx, KCM_TLS_READ_BUF);
	SSL_CTX_set_default_read_buffer_len(k->cli_ctx, KCM_TLS_READ_BUF);
	/* The mobile checks the pin itself after the handshake. */
	SSL_CTX_set_verify(k->cli_ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_use_certificate_file(k->srv_ctx, crtf, SSL_FILETYPE_PEM) !=
		1 ||
	    SSL_CTX_use_PrivateKey_file(k->srv_ctx, keyf, SSL_FILETYPE_PEM) !=
		1 ||
	    SSL_CTX_check_private_key(k->srv_ctx) != 1) {
		kcm_log(
		    "cannot load the display identity %s / %s: %s (move them away to make a new one)",
		    keyf, crtf, ERR_reason_error_string(ERR_get_error()));
		return -1;
	}
	x = SSL_CTX_get0_certificate(k->srv_ctx);
	fingerprint(x, k->fingerprint, sizeof k->fingerprint);
	return 0;
}

static int
pin(const char *file, const char *fp, const char *display, char **why)
{
	char *dir = strdup(file), *slash;
	FILE *f;
	if (dir && (slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		mkdirs(dir, 0700);
	}
	free(dir);
	if (!(f = fopen(file, "a")) || fprintf(f, "%s %s\n", fp, display) < 0 ||
	    fclose(f) != 0) {
		if (asprintf(why, "cannot record display '%s' in %s: %s",
			display, file, strerror(errno)) < 0)
			*why = NULL;
		return -1;
	}
	kcm_log("first contact with display '%s': pinned its identity %s in %s",
	    display, fp, file);
	return 0;
}

int
tls_check_peer(struct kcm *k, const char *display, SSL *ssl, char **why)
{
	X509 *x = SSL_get1_peer_certificate(ssl);
	char fp[80], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	FILE *f;
	int r = 1; /* 1: not found yet */

	if (!x) {
		*why = strdup("the display presented no certificate");
		return -1;
	}
	fingerprint(x, fp, sizeof fp);
	X509_free(x);
	if ((f = fopen(k->known_file, "r"))) {
		while (r == 1 && (n = getline(&line, &cap, f)) > 0) {
			char *sp;
			lineno++;
			if (line[n - 1] == '\n')
				line[--n] = '\0';
			if (line[0] == '#' || !(sp = strchr(line, ' ')))
				continue;
			*sp = '\0';
			if (strcmp(sp + 1, display) != 0)
				continue;
			if (strcmp(line, fp) == 0)
				r = 0;
			else {
				if (asprintf(why,
					"the identity of display '%s' has CHANGED: %s "
					"line %u pins %s, but the display now presents %s. Someone may "
					"be impersonating the display. If it was reinstalled on purpose, "
					"delete line %u of %s (or run: kcm --forget '%s') and connect again",
					display, k->known_file, lineno, line,
					fp, lineno, k->known_file, display) < 0)
					*why = NULL;
				r = -1;
			}
		}
		fclose(f);
	}
	free(line);
	if (r == 1)
		r = pin(k->known_file, fp, display, why);
	return r;
}
