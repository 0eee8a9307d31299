/* kim_repo_cgi -- the repository's two answers behind Basic auth, run by
 * Apache as a CGI (docs/repository.md):
 *   /api/groups                 the groups the authenticated user is in
 *   /api/mint?path=G/F[&ttl=S]  a signed, expiring URL for one file
 * Apache has authenticated REMOTE_USER; this program reads the group file
 * itself to decide whether that user may read G, so a signed URL is only
 * ever minted for a member.  Everything in the query is hostile: it is
 * parsed strictly (two known keys, no escapes, fixed character sets). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "repo/names.h"

#define GROUPS_MAX (1 << 20) /* bytes of the group file read */
#define TTL_DEFAULT 300

static void __attribute__((noreturn)) answer(int status, const char *text)
{
	const char *word = status == 400 ? "Bad Request"
	    : status == 403		 ? "Forbidden"
	    : status == 404		 ? "Not Found"
	    : status == 405		 ? "Method Not Allowed"
					 : "Internal Server Error";

	printf("Status: %d %s\r\nContent-Type: text/plain\r\n"
	       "Cache-Control: no-store\r\n\r\n%s\n",
	    status, word, text);
	exit(0);
}

/* The whole group file, NUL-terminated. */
static char *
read_groups(void)
{
	static char buf[GROUPS_MAX + 1]; /* read once per run */
	const char *path = getenv("KIM_REPO_GROUPS");
	size_t n;
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		answer(500, "the group file cannot be read");
	n = fread(buf, 1, GROUPS_MAX, f);
	if (ferror(f) || !feof(f))
		answer(500, "the group file cannot be read whole");
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Is user listed on the line of group `name` (exact, as Apache's
 * mod_authz_groupfile reads it: "name: user user ...")? */
static int
listed(const char *groups, const char *name, const char *user)
{
	size_t nl = strlen(name), ul = strlen(user);
	const char *line = groups, *end, *p, *w;

	for (; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if ((size_t)(end - line) <= nl ||
		    strncmp(line, name, nl) != 0 || line[nl] != ':')
			continue;
		for (p = line + nl + 1; p < end;) {
			while (
			    p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
				p++;
			w = p;
			while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
				p++;
			if ((size_t)(p - w) == ul && ul > 0 &&
			    memcmp(w, user, ul) == 0)
				return 1;
		}
	}
	return 0;
}

/* Reading G: its members and its publishers. */
static int
may_read(const char *groups, const char *g, const char *user)
{
	char pub[REPO_NAME_MAX + 16];

	snprintf(pub, sizeof(pub), "%s.publishers", g);
	return listed(groups, g, user) || listed(groups, pub, user);
}

static void
do_groups(const char *user)
{
	static char seen[1024][REPO_NAME_MAX + 1];
	char *groups = read_groups(), g[REPO_NAME_MAX + 1];
	const char *line, *end, *colon;
	size_t n, i, nseen = 0;

	printf("Content-Type: text/plain\r\nCache-Control: no-store\r\n\r\n");
	for (line = groups; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		colon = memchr(line, ':', end - line);
		if (colon == NULL || line[0] == '#')
			continue;
		n = colon - line;
		if (n > 11 && memcmp(colon - 11, ".publishers", 11) == 0)
			n -= 11;
		if (n == 0 || n > REPO_NAME_MAX)
			continue;
		memcpy(g, line, n);
		g[n] = '\0';
		if (repo_group_ok(g, n) != 0 || !may_read(groups, g, user))
			continue;
		for (i = 0; i < nseen && strcmp(seen[i], g) != 0; i++)
			;
		if (i < nseen) /* once each */
			continue;
		if (nseen == sizeof(seen) / sizeof(seen[0]))
			break;
		memcpy(seen[nseen++], g, n + 1);
		printf("%s\n", g);
	}
	exit(0);
}

/* sha1(a . b) in hex: what Apache's expression sha1() computes (OpenSSL) */
static void
sha1_hex(const char *a, const char *b, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(c, a, strlen(a)) != 1 ||
	    EVP_DigestUpdate(c, b, strlen(b)) != 1 ||
	    EVP_DigestFinal_ex(c, md, &n) != 1 || n != 20) {
		EVP_MD_CTX_free(c);
		answer(500, "cannot compute a signature");
	}
	EVP_MD_CTX_free(c);
	for (unsigned int i = 0; i < 20; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void
do_mint(const char *user, const char *query)
{
	char g[REPO_NAME_MAX + 1], f[REPO_FILE_MAX + 1], exp[15], msg[512];
	char secret[129], inner[41], sig[41],
	    path[REPO_NAME_MAX + REPO_FILE_MAX + 8], fpath[4096];
	const char *p, *e, *tm = getenv("KIM_REPO_TTL_MAX"),
			   *dav = getenv("KIM_REPO_DAV");
	const char *sp = getenv("KIM_REPO_SECRET");
	long ttl = -1, ttlmax;
	int have_path = 0;
	char *groups, *end;
	struct stat st;
	struct tm t;
	time_t now;
	FILE *sf;
	size_t n;

	ttlmax = tm ? strtol(tm, &end, 10) : 0;
	if (tm == NULL || *end || ttlmax < 1 || ttlmax > 999999 ||
	    dav == NULL || sp == NULL)
		answer(500,
		    "the mint is not configured (KIM_REPO_TTL_MAX, KIM_REPO_DAV, KIM_REPO_SECRET)");
	/* the query: path=G/F and optionally ttl=S, each once, nothing else */
	if (query == NULL || strlen(query) > 512)
		answer(400, "usage: /api/mint?path=GROUP/FILE[&ttl=SECONDS]");
	for (p = query; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '&');
		if (e == NULL)
			e = p + strlen(p);
		if (strncmp(p, "path=", 5) == 0 && !have_path) {
			const char *s = p + 5, *slash = memchr(s, '/', e - s);
			if (slash == NULL ||
			    (size_t)(slash - s) > REPO_NAME_MAX ||
			    (size_t)(e - slash - 1) > REPO_FILE_MAX)
				answer(400, "path: GROUP/FILE");
			memcpy(g, s, slash - s);
			g[slash - s] = '\0';
			memcpy(f, slash + 1, e - slash - 1);
			f[e - slash - 1] = '\0';
			if (repo_group_ok(g, strlen(g)) != 0 ||
			    repo_file_ok(f, strlen(f)) != 0)
				answer(400,
				    "path: GROUP of letters, digits, _ and -; FILE of "
				    "letters, digits, ._+- not starting with a dot");
			have_path = 1;
		} else if (strncmp(p, "ttl=", 4) == 0 && ttl < 0) {
			n = e - (p + 4);
			if (n < 1 || n > 6 || strspn(p + 4, "0123456789") < n)
				answer(400, "ttl: 1 to 6 digits");
			ttl = strtol(p + 4, NULL, 10);
			if (ttl < 1)
				answer(400, "ttl: at least 1 second");
		} else
			answer(400,
			    "usage: /api/mint?path=GROUP/FILE[&ttl=SECONDS] (each once)");
	}
	if (!have_path)
		answer(400, "usage: /api/mint?path=GROUP/FILE[&ttl=SECONDS]");
	if (ttl < 0)
		ttl = TTL_DEFAULT < ttlmax ? TTL_DEFAULT : ttlmax;
	if (ttl > ttlmax) {
		snprintf(msg, sizeof(msg),
		    "ttl: at most %ld seconds on this repository", ttlmax);
		answer(400, msg);
	}
	/* membership first, so that a stranger learns nothing of G's files */
	groups = read_groups();
	if (!may_read(groups, g, user))
		answer(403, "you are not a member of that group");
	if ((size_t)snprintf(fpath, sizeof(fpath), "%s/%s/%s", dav, g, f) >=
	    sizeof(fpath))
		answer(500, "KIM_REPO_DAV is too long");
	if (lstat(fpath, &st) != 0 || !S_ISREG(st.st_mode))
		answer(404, "no such file in that group");
	/* the secret: hex, first line */
	if ((sf = fopen(sp, "r")) == NULL ||
	    fgets(secret, sizeof(secret), sf) == NULL)
		answer(500, "the signing secret cannot be read");
	fclose(sf);
	secret[strcspn(secret, "\r\n")] = '\0';
	if (strlen(secret) < 32 ||
	    strspn(secret, "0123456789abcdef") != strlen(secret))
		answer(500, "the signing secret is not hex");
	now = time(NULL) + ttl;
	if (gmtime_r(&now, &t) == NULL ||
	    strftime(exp, sizeof(exp), "%Y%m%d%H%M%S", &t) != 14)
		answer(500, "clock");
	/* sha1(K . sha1(K . "kim1:" . EXP . ":" . G/F)): the check in httpd.conf.in */
	snprintf(path, sizeof(path), "%s/%s", g, f);
	snprintf(msg, sizeof(msg), "kim1:%s:%s", exp, path);
	sha1_hex(secret, msg, inner);
	sha1_hex(secret, inner, sig);
	explicit_bzero(secret, sizeof(secret));
	printf("Content-Type: text/plain\r\nCache-Control: no-store\r\n\r\n"
	       "path k/%s/%s/%s\nexpires %s\nttl %ld\n",
	    exp, sig, path, exp, ttl);
	exit(0);
}

int
main(void)
{
	const char *user = getenv("REMOTE_USER"),
		   *script = getenv("SCRIPT_NAME");
	const char *method = getenv("REQUEST_METHOD");

	if (user == NULL || *user == '\0' || strlen(user) > 255)
		answer(403, "no authenticated user");
	if (method == NULL ||
	    (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
		answer(405, "GET only");
	if (script && strcmp(script, "/api/groups") == 0)
		do_groups(user);
	if (script && strcmp(script, "/api/mint") == 0)
		do_mint(user, getenv("QUERY_STRING"));
	answer(404, "unknown");
	return 0;
}
