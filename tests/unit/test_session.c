/* test_session.c -- the session's state machine (display_launcher/session.c
 * and the step files), driven by calls as the RPC handlers make them: no
 * network, no root, no setup script.  The privileged parent is absent, so
 * whatever needs it (a VM's existence, the script) is refused, as it would be
 * if the parent had died. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "log.h"
#include "access.h"
#include "display_launcher/display.h"
#include "display_launcher/idle.h"
#include "display_launcher/sasl.h"
#include "display_launcher/session.h"
#include "scratch.h"

static char spool[64];
static struct display_config cfg;
static struct display d;

static int
setup(void **state)
{
	(void)state;
	kim_log_open("test_session", "/dev/null", 0);
	if (scratch_make(spool, sizeof(spool)) != 0)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "Unit display";
	cfg.spool = spool;
	cfg.vm_dir = "/nonexistent";
	cfg.max_file = 1 << 20;
	cfg.max_files = 4;
	cfg.max_session = 2 << 20;
	cfg.usb_if = "kimunit0";
	cfg.end_timeout = cfg.resume_timeout = 1;
	cfg.log_fd = -1;
	display_init(&d, &cfg, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	display_clean_spool(&d);
	rmdir(spool);
	return 0;
}

static void
conn_init(struct conn *c, unsigned id, int authed)
{
	memset(c, 0, sizeof(*c));
	c->d = &d;
	c->id = id;
	c->fd = -1;
	c->authed = authed;
	snprintf(c->peer, sizeof(c->peer), "127.0.0.%u:1000", id);
}

static int
hello(struct conn *c)
{
	hello_arg a = { KIM_PROTO_VERSION, "unit" };
	hello_res r;

	memset(&r, 0, sizeof(r));
	session_hello(c, &a, &r);
	free(r.display_name);
	free(r.auth_mechs);
	return r.status;
}

static int
send_fat(struct conn *c, const char *name)
{
	static char img[512];
	data piece = { sizeof(img), img };
	int rc;

	img[510] = 0x55;
	img[511] = (char)0xaa;
	if ((rc = session_send_begin(c, name, strlen(name), sizeof(img), 0)) !=
	    0)
		return rc;
	return session_send_piece(c, &piece);
}

static void
claim_and_busy(void **state)
{
	struct conn stranger, owner, second;

	(void)state;
	/* not authenticated: may not touch the session, even to claim it */
	conn_init(&stranger, 1, 0);
	assert_int_equal(
	    session_send_begin(&stranger, "a", 1, 1, 0), KIM_E_AUTH_REQUIRED);
	assert_string_equal(
	    stranger.last_error, kim_strerror(KIM_E_AUTH_REQUIRED));
	assert_int_equal(hello(&stranger), 0); /* hello alone claims nothing */
	/* authenticated (no access code): hello claims the display */
	conn_init(&owner, 2, 1);
	assert_int_equal(hello(&owner), 0);
	conn_init(&second, 3, 1);
	assert_int_equal(hello(&second), KIM_E_BUSY);
	assert_int_equal(send_fat(&second, "x.img"), KIM_E_BUSY);
	assert_int_equal(hello(&stranger), KIM_E_BUSY);
	/* the owner leaves: the display is free and its spool empty */
	assert_int_equal(send_fat(&owner, "f.img"), 0);
	assert_int_equal(scratch_count(spool), 1);
	session_disconnect(&owner);
	assert_int_equal(scratch_count(spool), 0);
	assert_int_equal(hello(&second), 0);
	session_disconnect(&second);
}

static void
out_of_order(void **state)
{
	struct conn c;
	end_res er;
	file_res fr;
	session_res sr;

	(void)state;
	conn_init(&c, 4, 1);
	assert_int_equal(hello(&c), 0);
	/* nothing runs yet: no end, no retrieve, no viewer */
	memset(&er, 0, sizeof(er));
	session_end(&c, 1, &er);
	assert_int_equal(er.status, KIM_E_NO_SESSION);
	free(er.delta_name);
	free(er.reason);
	assert_int_equal(session_retrieve_open(&c, "floppy.vcdiff", &fr),
	    KIM_E_OUT_OF_ORDER);
	memset(&sr, 0, sizeof(sr));
	session_info(&c, &sr);
	assert_int_equal(sr.status, KIM_E_NO_SESSION);
	free(sr.vnc_host);
	free(sr.vnc_password);
	free(sr.display_name);
	/* a floppy must have arrived, and be a FAT image */
	assert_int_equal(
	    session_use_floppy(&c, "missing.img"), KIM_E_NO_SUCH_FILE);
	assert_int_equal(send_fat(&c, "f.img"), 0);
	assert_int_equal(session_use_floppy(&c, "f.img"), 0);
	/* a piece with no file begun */
	data piece = { 1, "x" };
	struct conn other;
	conn_init(&other, 5, 1);
	assert_int_equal(session_send_piece(&other, &piece), KIM_E_BUSY);
	session_disconnect(&c);
}

static void
limits(void **state)
{
	struct conn c;

	(void)state;
	conn_init(&c, 6, 1);
	assert_int_equal(hello(&c), 0);
	assert_int_equal(
	    session_send_begin(&c, "big", 3, (2 << 20), 0), KIM_E_FILE_TOO_BIG);
	assert_int_equal(
	    session_send_begin(&c, "../x", 4, 1, 0), KIM_E_NAME_SLASH);
	assert_int_equal(
	    session_send_begin(&c, "neg", 3, -1, 0), KIM_E_SIZE_BAD);
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof(name), "f%d.img", i);
		assert_int_equal(send_fat(&c, name), 0);
	}
	assert_int_equal(send_fat(&c, "five.img"), KIM_E_TOO_MANY_FILES);
	session_disconnect(&c);
	assert_int_equal(scratch_count(spool), 0);
}

static void
no_parent(void **state)
{
	struct conn c;

	(void)state;
	conn_init(&c, 7, 1);
	assert_int_equal(hello(&c), 0);
	assert_int_equal(send_fat(&c, "app.patch"), 0);
	/* the VM directory is the parent's to look at: without it, no VM */
	assert_int_equal(
	    session_start(&c, "demo", "app.patch", 0), KIM_E_NO_SUCH_VM);
	assert_int_equal(
	    session_start(&c, "bad/vm", "app.patch", 0), KIM_E_VMNAME_BAD);
	assert_int_equal(session_use_usb(&c), KIM_E_NO_USB);
	session_disconnect(&c);
}

/* A VM patch whose header says it can be decoded while it arrives
 * (transfer.c): with no parent to start the script, the transfer goes on
 * as any other and nothing is left half-started. */
static void
stream_no_parent(void **state)
{
	static const char hdr[] = "KIMBERLEY-PATCH 2\nkind: vm\nbase: 00\n"
				  "base-name: b1\nlayout: parts\n"
				  "compression: none\nencryption: none\n\n";
	unsigned char sha[KIM_SHA256_BYTES];
	char path[128];
	data piece = { sizeof(hdr) - 1, (char *)hdr };
	struct conn c;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s.patch", spool);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(hdr, 1, sizeof(hdr) - 1, f);
	fclose(f);
	assert_int_equal(kim_sha256_file(path, sha), 0);
	unlink(path);
	conn_init(&c, 9, 1);
	assert_int_equal(hello(&c), 0);
	assert_int_equal(
	    session_send_begin(&c, "app.kim", 7, sizeof(hdr) - 1, 1), 0);
	assert_int_equal(session_send_piece(&c, &piece), 0);
	assert_int_equal(d.streaming, 0);
	assert_int_equal(d.script, 0);
	assert_int_equal(d.stream_tried, 1);
	assert_int_equal(session_send_end(&c, sha), 0);
	assert_int_equal(
	    session_start(&c, "b1", "app.kim", 0), KIM_E_NO_SUCH_VM);
	session_disconnect(&c);
}

/* One AUTH_STEP; its status, the token (up to cap bytes) into tok. */
static int
auth(struct conn *c, const char *mech, const void *in, unsigned len,
    unsigned char *tok, unsigned cap, unsigned *got)
{
	auth_arg a = { (char *)mech, { len, (char *)in } };
	auth_res r;
	int st;

	memset(&r, 0, sizeof(r));
	session_auth(c, &a, &r);
	if (got)
		*got = r.token.token_len;
	if (tok && r.token.token_len <= cap)
		memcpy(tok, r.token.token_val, r.token.token_len);
	free(r.token.token_val);
	st = r.status;
	return st;
}

/* The screen-code factor (issue 14): challenge-response over the code in
 * d.screen_code, a new code after every wrong try, one-time, and no call
 * claims the display before it is proven. */
static void
screen_code(void **state)
{
	struct conn c;
	unsigned char nonce[KIM_AUTH_NONCE], mac[KIM_AUTH_MAC];
	char code[16], before[16];
	unsigned n;

	(void)state;
	cfg.screen_code = 1;
	screen_code_new(&d, "unit", 0);
	snprintf(code, sizeof(code), "%s", d.screen_code);
	assert_int_equal(strlen(code), KIM_SCREEN_CODE_LEN);
	assert_true(idle_code_ok(code));
	conn_init(&c, 8, 0);
	assert_int_equal(hello(&c), 0);
	assert_int_equal(auth(&c, "access-code", "", 0, NULL, 0, NULL),
	    KIM_E_AUTH_MECH); /* not configured: not offered */
	/* a wrong code: refused, and the code changes */
	assert_int_equal(
	    auth(&c, "screen-code", "", 0, nonce, sizeof(nonce), &n),
	    KIM_E_AUTH_CONTINUE);
	assert_int_equal(n, KIM_AUTH_NONCE);
	assert_int_equal(kim_auth_mac("0000000000", nonce, n, mac), 0);
	assert_int_equal(
	    auth(&c, "screen-code", mac, sizeof(mac), NULL, 0, NULL),
	    KIM_E_AUTH_FAILED);
	assert_string_not_equal(d.screen_code, code);
	assert_int_equal(
	    session_send_begin(&c, "a", 1, 1, 0), KIM_E_AUTH_REQUIRED);
	/* the new code works, once */
	snprintf(code, sizeof(code), "%s", d.screen_code);
	assert_int_equal(
	    auth(&c, "screen-code", "", 0, nonce, sizeof(nonce), &n),
	    KIM_E_AUTH_CONTINUE);
	assert_int_equal(kim_auth_mac(code, nonce, n, mac), 0);
	snprintf(before, sizeof(before), "%s", d.screen_code);
	assert_int_equal(
	    auth(&c, "screen-code", mac, sizeof(mac), NULL, 0, NULL), 0);
	assert_true(c.authed);
	assert_string_not_equal(d.screen_code, before); /* used up */
	assert_int_equal(send_fat(&c, "f.img"), 0); /* it owns the display */
	session_disconnect(&c);
	cfg.screen_code = 0;
}

/* Two factors (access code as the account, and the screen code): the first
 * proven answers AUTH_REQUIRED, the display stays unclaimed until both. */
static void
two_factors(void **state)
{
	struct conn c, other;
	unsigned char nonce[KIM_AUTH_NONCE], mac[KIM_AUTH_MAC];
	unsigned n;

	(void)state;
	cfg.screen_code = 1;
	cfg.auth_code = "4711-blue-heron";
	screen_code_new(&d, "unit", 0);
	conn_init(&c, 9, 0);
	assert_int_equal(hello(&c), 0);
	assert_int_equal(
	    auth(&c, "access-code", "", 0, nonce, sizeof(nonce), &n),
	    KIM_E_AUTH_CONTINUE);
	assert_int_equal(kim_auth_mac(cfg.auth_code, nonce, n, mac), 0);
	assert_int_equal(
	    auth(&c, "access-code", mac, sizeof(mac), NULL, 0, NULL),
	    KIM_E_AUTH_REQUIRED);
	assert_false(c.authed);
	assert_non_null(strstr(c.last_error, "screen-code"));
	conn_init(&other, 10, 1); /* nobody owns it yet */
	assert_int_equal(hello(&other), 0);
	session_disconnect(&other);
	assert_int_equal(
	    auth(&c, "screen-code", "", 0, nonce, sizeof(nonce), &n),
	    KIM_E_AUTH_CONTINUE);
	assert_int_equal(kim_auth_mac(d.screen_code, nonce, n, mac), 0);
	assert_int_equal(
	    auth(&c, "screen-code", mac, sizeof(mac), NULL, 0, NULL), 0);
	assert_true(c.authed);
	session_disconnect(&c);
	cfg.screen_code = 0;
	cfg.auth_code = NULL;
}

/* What the root parent accepts as a screen code (priv.h's PRIV_IDLE). */
static void
parent_code_check(void **state)
{
	(void)state;
	assert_true(idle_code_ok(""));
	assert_true(idle_code_ok("0123456789"));
	assert_false(idle_code_ok("012345678"));
	assert_false(idle_code_ok("01234567890"));
	assert_false(idle_code_ok("01234-6789"));
	assert_false(idle_code_ok("-x 1234567"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    claim_and_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(limits, setup, teardown),
		cmocka_unit_test_setup_teardown(no_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    stream_no_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(screen_code, setup, teardown),
		cmocka_unit_test_setup_teardown(two_factors, setup, teardown),
		cmocka_unit_test(parent_code_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
