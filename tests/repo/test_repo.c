/* test_repo.c -- the repository client's hostile-input parts: the WebDAV
 * multistatus parser (by namespace URI; DTDs, entity bombs and external
 * entities refused), the names, and the mint's SHA-1 against OpenSSL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "repo/davxml.h"
#include "repo/names.h"

/* Two answers of the same content with different prefixes (Apache
 * changes them between answers: g0:, ns1:, or a default namespace). */
static const char ans_prefix[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:multistatus xmlns:D=\"DAV:\" xmlns:ns1=\"urn:kimberley:patch\">"
    "<D:response><D:href>/patches/lab/</D:href><D:propstat><D:prop>"
    "<D:resourcetype><D:collection/></D:resourcetype></D:prop>"
    "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
    "<D:response><D:href>/patches/lab/editor-1.0.kim</D:href>"
    "<D:propstat><D:prop><ns1:app>editor</ns1:app><ns1:version>1.0</ns1:version>"
    "<ns1:sha256>abc</ns1:sha256><D:getcontentlength>307</D:getcontentlength></D:prop>"
    "<D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
    "<D:propstat><D:prop><ns1:machine/></D:prop>"
    "<D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>"
    "</D:multistatus>";
static const char ans_default[] =
    "<multistatus xmlns=\"DAV:\"><response><href>/patches/lab/editor-1.0.kim</href>"
    "<propstat><prop><g0:app xmlns:g0=\"urn:kimberley:patch\">editor</g0:app>"
    "<g0:version xmlns:g0=\"urn:kimberley:patch\">1.0</g0:version></prop>"
    "<status>HTTP/1.1 200 OK</status></propstat></response></multistatus>";
/* A prefix that looks right and is bound to another namespace. */
static const char ans_fake[] =
    "<D:multistatus xmlns:D=\"DAV:\" xmlns:K=\"urn:not-kimberley\">"
    "<D:response><D:href>/patches/lab/x.kim</D:href><D:propstat><D:prop>"
    "<K:app>evil</K:app></D:prop><D:status>HTTP/1.1 200 OK</D:status>"
    "</D:propstat></D:response></D:multistatus>";

static void
parses_by_namespace(void **state)
{
	struct dav_ms ms;
	char why[256];

	(void)state;
	assert_int_equal(
	    dav_parse(ans_prefix, strlen(ans_prefix), &ms, why, sizeof(why)),
	    0);
	assert_int_equal(ms.n, 2);
	assert_string_equal(ms.r[1].href, "/patches/lab/editor-1.0.kim");
	assert_string_equal(dav_get(&ms.r[1], NS_KIM, "app"), "editor");
	assert_string_equal(dav_get(&ms.r[1], NS_KIM, "version"), "1.0");
	assert_string_equal(
	    dav_get(&ms.r[1], NS_DAV, "getcontentlength"), "307");
	assert_null(dav_get(&ms.r[1], NS_KIM, "machine")); /* 404 propstat */
	assert_null(dav_get(&ms.r[1], NS_DAV, "app"));
	dav_free(&ms);

	assert_int_equal(
	    dav_parse(ans_default, strlen(ans_default), &ms, why, sizeof(why)),
	    0);
	assert_int_equal(ms.n, 1);
	assert_string_equal(dav_get(&ms.r[0], NS_KIM, "app"), "editor");
	dav_free(&ms);

	assert_int_equal(
	    dav_parse(ans_fake, strlen(ans_fake), &ms, why, sizeof(why)), 0);
	assert_null(dav_get(&ms.r[0], NS_KIM, "app"));
	dav_free(&ms);
}

static void
refused(const char *doc, const char *reason)
{
	struct dav_ms ms;
	char why[256] = "";
	clock_t t0 = clock();

	assert_int_equal(
	    dav_parse(doc, strlen(doc), &ms, why, sizeof(why)), -1);
	assert_non_null(strstr(why, reason));
	assert_null(ms.r);
	/* refused at once, not after expanding anything */
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
}

static void
refuses_entities(void **state)
{
	char *bomb = malloc(8192), *p;
	int i, j;

	(void)state;
	/* billion laughs: lol9 expands to 10^9 "lol" */
	p = bomb +
	    sprintf(bomb,
		"<?xml version=\"1.0\"?>\n<!DOCTYPE D:multistatus [\n"
		"<!ENTITY lol0 \"lol\">\n");
	for (i = 1; i <= 9; i++) {
		p += sprintf(p, "<!ENTITY lol%d \"", i);
		for (j = 0; j < 10; j++)
			p += sprintf(p, "&lol%d;", i - 1);
		p += sprintf(p, "\">\n");
	}
	sprintf(p,
	    "]>\n<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>&lol9;"
	    "</D:href></D:response></D:multistatus>");
	refused(bomb, "DOCTYPE");
	free(bomb);
	/* an external entity naming a local file, and one naming a URL */
	refused(
	    "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
	    "<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>&e;</D:href>"
	    "</D:response></D:multistatus>",
	    "DOCTYPE");
	refused("<!DOCTYPE D:multistatus SYSTEM \"http://127.0.0.1:1/x.dtd\">"
		"<D:multistatus xmlns:D=\"DAV:\"/>",
	    "DOCTYPE");
	/* an undeclared entity, without a DTD: not well-formed */
	refused(
	    "<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>&e;</D:href>"
	    "</D:response></D:multistatus>",
	    "well-formed");
	refused("<D:multistatus xmlns:D=\"DAV:\">", "well-formed");
	refused("<multistatus/>", "not a WebDAV multistatus");
	refused("<D:multistatus xmlns:D=\"DAV:\"><D:response/></D:multistatus>",
	    "without href");
}

static void
names(void **state)
{
	(void)state;
	assert_int_equal(repo_group_ok("lab", 3), 0);
	assert_int_equal(repo_group_ok("a_b-9", 5), 0);
	assert_int_equal(repo_group_ok("", 0), -1);
	assert_int_equal(repo_group_ok("a.b", 3), -1);
	assert_int_equal(repo_group_ok("a/b", 3), -1);
	assert_int_equal(repo_group_ok("a\0b", 3), -1);
	assert_int_equal(repo_file_ok("editor-1.0.kim", 14), 0);
	assert_int_equal(repo_file_ok(".incoming", 9), -1);
	assert_int_equal(repo_file_ok("..", 2), -1);
	assert_int_equal(repo_file_ok("a/b", 3), -1);
	assert_int_equal(repo_file_ok("a%2fb", 5), -1);
	assert_int_equal(repo_file_ok("a b", 3), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_by_namespace),
		cmocka_unit_test(refuses_entities),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
