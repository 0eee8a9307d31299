/* mkseeds.c -- writes the fuzzers' seed corpus (fuzz/corpus/), made with
 * the same XDR routines and the same call header the client stubs use, so
 * a seed is byte for byte what a client puts on the wire (but the xid):
 *
 *   fuzz/corpus/server/NAME   one connection: ONC RPC calls, record marking
 *   fuzz/corpus/xdr/NAME      one byte (the type, as fuzz_xdr.c numbers
 *                             them) then one XDR object
 *
 * The server seeds are mobile_launcher's whole session (as
 * mobile_launcher/main.c and rpc/transfer.c call), the seed protocol's
 * calls, every refusal tests/e2e/20-refusals.t makes with rpcpoke, and
 * framing oddities.  Usage: mkseeds DIR  (`make fuzz-seeds`). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <rpc/rpc.h>

#include "access.h"
#include "kimberley.h"

#define BODY_MAX (256 * 1024)

static const char *outdir;
static unsigned char *seed;
static size_t seed_len;
static u_int xid = 0x4b494d00;

/* no arguments (xdr_void's prototype takes none) */
static bool_t
xdr_none(XDR *x, void *p)
{
	(void)x;
	(void)p;
	return TRUE;
}

static void
put(const void *p, size_t n)
{
	if ((seed = realloc(seed, seed_len + n)) == NULL) {
		perror("mkseeds");
		exit(1);
	}
	memcpy(seed + seed_len, p, n);
	seed_len += n;
}

static void
put_mark(u_int len, int last)
{
	uint32_t m = htonl((last ? 0x80000000u : 0) | len);

	put(&m, sizeof(m));
}

/* The call header clnt_vc writes, then the arguments. */
static u_int
encode_call(char *body, u_long prog, u_long vers, u_long proc,
    const struct opaque_auth *cred, xdrproc_t xa, void *arg)
{
	struct rpc_msg m;
	XDR x;
	u_int n;

	memset(&m, 0, sizeof(m));
	m.rm_xid = ++xid;
	m.rm_direction = CALL;
	m.rm_call.cb_rpcvers = RPC_MSG_VERSION;
	m.rm_call.cb_prog = prog;
	m.rm_call.cb_vers = vers;
	m.rm_call.cb_proc = proc;
	m.rm_call.cb_cred = cred ? *cred : _null_auth;
	m.rm_call.cb_verf = _null_auth;
	xdrmem_create(&x, body, BODY_MAX, XDR_ENCODE);
	if (!xdr_callmsg(&x, &m) || !xa(&x, arg)) {
		fprintf(stderr, "mkseeds: cannot encode call %lu\n", proc);
		exit(1);
	}
	n = xdr_getpos(&x);
	xdr_destroy(&x);
	return n;
}

static void
call_as(u_long prog, u_long vers, u_long proc, const struct opaque_auth *cred,
    xdrproc_t xa, void *arg)
{
	static char body[BODY_MAX];
	u_int n = encode_call(body, prog, vers, proc, cred, xa, arg);

	put_mark(n, 1);
	put(body, n);
}

static void
call(u_long proc, xdrproc_t xa, void *arg)
{
	call_as(KIMBERLEY_PROG, KIMBERLEY_V1, proc, NULL, xa, arg);
}

static void
done(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/server/%s", outdir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(seed, 1, seed_len, f) != seed_len || fclose(f) != 0) {
		fprintf(stderr, "mkseeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	free(seed);
	seed = NULL;
	seed_len = 0;
}

/* ---- the calls, as the client makes them ---------------------------------- */

static void
ping(void)
{
	call(NULLPROC, (xdrproc_t)xdr_none, NULL);
}

static void
hello(int proto)
{
	hello_arg a = { proto, "mobile_launcher" };

	call(HELLO, (xdrproc_t)xdr_hello_arg, &a);
}

static void
auth(const char *mech, const void *token, u_int len)
{
	auth_arg a;

	a.mech = (char *)mech;
	a.token.token_val = (char *)token;
	a.token.token_len = len;
	call(AUTH_STEP, (xdrproc_t)xdr_auth_arg, &a);
}

/* hello and the one "none" step of a display without an access code */
static void
greet(void)
{
	hello(KIM_PROTO_VERSION);
	auth("none", NULL, 0);
}

static void
last_error(void)
{
	call(LAST_ERROR, (xdrproc_t)xdr_none, NULL);
}

static void
begin(const char *name, size_t len, uint64_t size)
{
	file_arg a;

	a.name.name_val = (char *)name;
	a.name.name_len = (u_int)len;
	a.size = size;
	call(SEND_FILE64, (xdrproc_t)xdr_file_arg, &a);
}

static void
piece(u_long proc, const void *buf, size_t len)
{
	data p;

	p.data_val = (char *)buf;
	p.data_len = (u_int)len;
	call(proc, (xdrproc_t)xdr_data, &p);
}

static void
end_(const void *buf, size_t len)
{
	file_end e;

	EVP_Digest(
	    buf, len, (unsigned char *)e.sha256, NULL, EVP_sha256(), NULL);
	call(SEND_FILE_END, (xdrproc_t)xdr_file_end, &e);
}

/* kim_client_send: header, batched pieces, the end with the SHA-256 */
static void
send_file(const char *name, const void *buf, size_t len)
{
	begin(name, strlen(name), len);
	piece(SEND_FILE_BATCH, buf, len);
	end_(buf, len);
}

static void
one_string(u_long proc, const char *s)
{
	call(proc, (xdrproc_t)xdr_wrapstring, &s);
}

static void
start(u_long proc, const char *vm, const char *patch)
{
	use_kimberlize_file_1_argument a = { (char *)vm, (char *)patch };

	call(proc, (xdrproc_t)xdr_use_kimberlize_file_1_argument, &a);
}

static void
end_usage(bool_t retrieve)
{
	call(END_USAGE, (xdrproc_t)xdr_bool, &retrieve);
}

static void
seed_send(const char *name, const void *buf, int size, size_t len)
{
	send_file_1_argument a = { (char *)name, size };

	call(SEND_FILE, (xdrproc_t)xdr_send_file_1_argument, &a);
	if (len)
		piece(SEND_FILE_PARTIAL, buf, len);
}

/* ---- the seeds ------------------------------------------------------------ */

static unsigned char floppy[512]; /* a boot sector: enough for the fixture */
static const char patch[] = "data\n";
/* a header the display starts on while the patch arrives (docs/vm.md,
 * "Streaming"): the child parses it, the parent starts the script */
static const char streamed[] = "KIMBERLEY-PATCH 2\nkind: vm\nbase: 00\n"
			       "base-name: demo\nlayout: parts\n"
			       "compression: none\nencryption: none\n\ndata\n";

/* the floppy sent and named, then the patch sent and started, as
 * mobile_launcher -d floppy.img -f NAME demo does */
static void
floppy_and_start(const char *name, const char *buf, size_t len)
{
	send_file("floppy.img", floppy, sizeof(floppy));
	one_string(USE_PERSISTENT_STATE, "floppy.img");
	send_file(name, buf, len);
	start(USE_KIMBERLIZE_FILE, "demo", name);
	call(SESSION_INFO, (xdrproc_t)xdr_none, NULL);
}

static void
sessions(void)
{
	/* mobile_launcher -d floppy.img -f app.patch demo (--pings 2) */
	greet();
	ping();
	ping();
	floppy_and_start("app.patch", patch, sizeof(patch) - 1);
	end_usage(TRUE);
	one_string(RETRIEVE_FILE64, "floppy.vcdiff");
	call(RETRIEVE_PARTIAL, (xdrproc_t)xdr_none, NULL);
	call(RETRIEVE_PARTIAL, (xdrproc_t)xdr_none, NULL);
	done("session");

	/* a patch the display starts on as it arrives, then claimed */
	greet();
	floppy_and_start("app.kim", streamed, sizeof(streamed) - 1);
	end_usage(TRUE);
	done("session-streamed");

	/* no floppy: the session ends without a delta */
	greet();
	send_file("app.patch", patch, sizeof(patch) - 1);
	start(USE_KIMBERLIZE_FILE, "demo", "app.patch");
	call(SESSION_INFO, (xdrproc_t)xdr_none, NULL);
	end_usage(FALSE);
	done("session-no-floppy");

	/* the seed protocol's procedures: no hello, no checksum */
	seed_send("app.patch", patch, sizeof(patch) - 1, sizeof(patch) - 1);
	seed_send("floppy.img", floppy, sizeof(floppy), sizeof(floppy));
	one_string(USE_PERSISTENT_STATE, "floppy.img");
	start(USE_KIMBERLIZE_FILE, "demo", "app.patch");
	end_usage(TRUE);
	one_string(RETRIEVE_FILE, "floppy.vcdiff");
	call(RETRIEVE_PARTIAL, (xdrproc_t)xdr_none, NULL);
	done("session-seed-procs");

	/* the session dropped while the application runs */
	greet();
	send_file("app.patch", patch, sizeof(patch) - 1);
	start(USE_KIMBERLIZE_FILE, "demo", "app.patch");
	done("session-dropped");

	/* a patch by URL (nothing listens: the fetch fails) */
	greet();
	start(USE_KIMBERLIZE_URL, "demo", "http://127.0.0.1:9/app.patch");
	last_error();
	done("url-refused");

	greet();
	call(USE_USB_CABLE, (xdrproc_t)xdr_none, NULL);
	last_error();
	done("usb-no-cable");

	/* an access-code display's first step (this one has none) */
	hello(KIM_PROTO_VERSION);
	auth(KIM_AUTH_MECH, NULL, 0);
	auth(KIM_AUTH_MECH, floppy, KIM_AUTH_MAC);
	done("auth-access-code");

	/* the display's bases, then a disk and a USB device asked for while
	 * the application runs, and a token nobody was given (attach.c) */
	attach_arg aa = { "stick.img", FALSE, 0 };
	attach_token tok = { KIM_ATTACH_TOKEN_LEN, (char *)floppy };
	greet();
	call(LIST_BASES, (xdrproc_t)xdr_none, NULL);
	send_file("app.patch", patch, sizeof(patch) - 1);
	start(USE_KIMBERLIZE_FILE, "demo", "app.patch");
	call(ATTACH_DISK, (xdrproc_t)xdr_attach_arg, &aa);
	aa.read_only = TRUE;
	aa.usb_id = 0x12345678;
	call(ATTACH_DISK, (xdrproc_t)xdr_attach_arg, &aa);
	end_usage(FALSE);
	done("attach-in-session");

	greet();
	call(ATTACH_STREAM, (xdrproc_t)xdr_attach_token, &tok);
	done("attach-wrong-token");
}

/* tests/e2e/20-refusals.t's rpcpoke calls, each on its own connection */
static void
refusals(void)
{
	static char buf[2048];
	static const struct {
		const char *seed, *name;
		size_t len;
	} names[] = {
		{ "name-slash", "dir/file", 8 },
		{ "name-dotdot", "..", 2 },
		{ "name-dotdot-inner", "a..b", 4 },
		{ "name-nul", "ab\0cd", 5 },
		{ "name-empty", "", 0 },
		{ "name-hidden", ".hidden", 7 },
		{ "name-24", "abcdefghijklmnopqrstuvwx", 24 },
		{ "name-40", "abcdefghijklmnopqrstuvwxyz0123456789ABCD", 40 },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		greet();
		begin(names[i].name, names[i].len, 1);
		last_error();
		done(names[i].seed);
	}
	greet();
	memset(buf, 'a', 1026);
	begin(buf, 1026, 1);
	last_error();
	done("name-too-long");

	greet();
	begin("ten.bin", 7, 10);
	memset(buf, 'x', 11);
	piece(SEND_FILE_PARTIAL, buf, 11);
	done("too-many-bytes");

	greet();
	begin("sum.bin", 7, 1000);
	memset(buf, 'z', 1000);
	piece(SEND_FILE_BATCH, buf, 1000);
	memset(buf, 'y', 1000);
	end_(buf, 1000);
	done("checksum");

	greet();
	begin("trunc.bin", 9, 1000);
	piece(SEND_FILE_BATCH, buf, 500);
	end_(buf, 500);
	done("truncated");

	greet();
	begin("big.bin", 7, (uint64_t)3 << 30);
	last_error();
	done("file-too-big");

	greet();
	begin("huge.bin", 8, UINT64_MAX);
	done("size-over-int64");

	greet();
	seed_send("neg.bin", NULL, -1, 0);
	done("seed-send-negative");

	greet();
	start(USE_KIMBERLIZE_FILE, "nosuchvm", "x.patch");
	last_error();
	done("no-such-vm");

	greet();
	memset(buf, 'v', 129);
	buf[129] = '\0';
	start(USE_KIMBERLIZE_FILE, buf, "x.patch");
	done("vmname-too-long");

	greet();
	start(USE_KIMBERLIZE_FILE, "demo", "never-sent.patch");
	done("no-patch");

	greet();
	end_usage(TRUE);
	done("end-no-session");

	greet();
	one_string(RETRIEVE_FILE64, "floppy.vcdiff");
	done("retrieve-before-end");

	greet();
	one_string(USE_PERSISTENT_STATE, "never-sent.img");
	done("floppy-never-sent");

	greet();
	send_file("notfat.img", buf, 512);
	one_string(USE_PERSISTENT_STATE, "notfat.img");
	done("floppy-not-fat");

	greet();
	start(USE_KIMBERLIZE_URL, "demo", "ftp://example.invalid/x");
	done("url-not-http");

	hello(99);
	done("hello-version");

	/* half a file, then the client hangs up */
	greet();
	begin("half.bin", 8, 2000);
	piece(SEND_FILE_BATCH, buf, 1000);
	done("half-then-hang-up");
}

/* what no client of ours sends */
static void
framing(void)
{
	static char body[BODY_MAX];
	struct opaque_auth sys;
	u_int n;
	char *s = "floppy.img";

	call_as(KIMBERLEY_PROG + 1, KIMBERLEY_V1, NULLPROC, NULL,
	    (xdrproc_t)xdr_none, NULL);
	call_as(KIMBERLEY_PROG, KIMBERLEY_V1 + 1, NULLPROC, NULL,
	    (xdrproc_t)xdr_none, NULL);
	call_as(
	    KIMBERLEY_PROG, KIMBERLEY_V1, 99, NULL, (xdrproc_t)xdr_none, NULL);
	ping();
	done("wrong-prog-vers-proc");

	/* AUTH_SYS credentials (stamp, machine name, uid, gid, gids) */
	{
		static const unsigned char cred[] = {
			0,
			0,
			0,
			1,
			0,
			0,
			0,
			4,
			'f',
			'u',
			'z',
			'z',
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			1,
			0,
			0,
			0,
			0,
		};
		sys.oa_flavor = AUTH_SYS;
		sys.oa_base = (caddr_t)cred;
		sys.oa_length = sizeof(cred);
		call_as(KIMBERLEY_PROG, KIMBERLEY_V1, HELLO, &sys,
		    (xdrproc_t)xdr_none, NULL);
		hello(KIM_PROTO_VERSION);
		done("auth-sys");
	}

	/* one call in three fragments */
	n = encode_call(body, KIMBERLEY_PROG, KIMBERLEY_V1,
	    USE_PERSISTENT_STATE, NULL, (xdrproc_t)xdr_wrapstring, &s);
	put_mark(8, 0);
	put(body, 8);
	put_mark(n - 20, 0);
	put(body + 8, n - 20);
	put_mark(12, 1);
	put(body + n - 12, 12);
	ping();
	done("fragments");

	/* arguments that fail to decode after a first field that did: a
	 * name, then the record ends where the size should be; a VM name,
	 * then no patch name */
	hello(KIM_PROTO_VERSION);
	{
		file_arg a = { { 10, "floppy.img" }, 0 };
		n = encode_call(body, KIMBERLEY_PROG, KIMBERLEY_V1, SEND_FILE64,
		    NULL, (xdrproc_t)xdr_file_arg, &a);
		put_mark(n - 8, 1);
		put(body, n - 8);
	}
	n = encode_call(body, KIMBERLEY_PROG, KIMBERLEY_V1, USE_KIMBERLIZE_FILE,
	    NULL, (xdrproc_t)xdr_wrapstring, &s);
	put_mark(n, 1);
	put(body, n);
	ping();
	done("args-fail-to-decode");

	/* a record that is no call: a reply */
	{
		static const unsigned char reply[] = {
			0,
			0,
			0,
			7,
			0,
			0,
			0,
			1,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
			0,
		};
		put_mark(sizeof(reply), 1);
		put(reply, sizeof(reply));
		ping();
		done("reply-not-call");
	}

	put_mark(0, 1);
	ping();
	done("empty-record");
}

/* ---- fuzz_xdr's seeds: one encoded object of each type -------------------- */

static void
xdr_seed(const char *name, unsigned type, xdrproc_t proc, void *obj)
{
	static char buf[BODY_MAX];
	char path[4096];
	XDR x;
	FILE *f;
	u_int n;

	buf[0] = (char)type;
	xdrmem_create(&x, buf + 1, BODY_MAX - 1, XDR_ENCODE);
	if (!proc(&x, obj)) {
		fprintf(stderr, "mkseeds: cannot encode %s\n", name);
		exit(1);
	}
	n = xdr_getpos(&x) + 1;
	snprintf(path, sizeof(path), "%s/xdr/%s", outdir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(buf, 1, n, f) != n ||
	    fclose(f) != 0) {
		fprintf(stderr, "mkseeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void
xdr_seeds(void)
{
	unsigned char sha[KIM_SHA256_LEN] = { 1, 2, 3 };
	data dt = { 5, (char *)patch };
	hello_arg ha = { KIM_PROTO_VERSION, "mobile_launcher" };
	hello_res hr = { 0, KIM_PROTO_VERSION, "Room B", KIM_AUTH_MECH, 100 };
	auth_arg aa = { "none", { 0, NULL } };
	auth_res ar = { -1, { KIM_AUTH_NONCE, (char *)floppy } };
	file_arg fa = { { 9, "app.patch" }, 5 };
	file_end fe;
	file_res fr;
	end_res er = { 0, "floppy.vcdiff", { KIM_SHA256_LEN, (char *)sha },
		"" };
	base_entry be[2] = { { "demo", "vm", "00" },
		{ "desk", "workspace", "11" } };
	bases_res br = { 0, { 2, be } };
	attach_token at = { KIM_ATTACH_TOKEN_LEN, (char *)sha };
	attach_arg ag = { "stick.img", TRUE, 0 };
	attach_res ares = { 0, { KIM_ATTACH_TOKEN_LEN, (char *)sha }, 1 };
	session_res sr = { 0, "", 5901, "0123456789abcdef", "Room B" };
	send_file_1_argument sf = { "app.patch", 5 };
	use_kimberlize_file_1_argument kf = { "demo", "app.patch" };
	use_kimberlize_url_1_argument ku = { "demo",
		"https://example.org/app.patch" };
	char *name = "floppy.img",
	     *text = "'x' has not been sent to the display";
	int i = -7;
	bool_t b = TRUE;

	memcpy(fe.sha256, sha, sizeof(sha));
	memcpy(fr.sha256, sha, sizeof(sha));
	fr.status = 0;
	fr.size = 123456789012ull;
	/* the numbers are fuzz_xdr.c's types[] */
	xdr_seed("data", 0, (xdrproc_t)xdr_data, &dt);
	xdr_seed("hello_arg", 1, (xdrproc_t)xdr_hello_arg, &ha);
	xdr_seed("hello_res", 2, (xdrproc_t)xdr_hello_res, &hr);
	xdr_seed("auth_arg", 3, (xdrproc_t)xdr_auth_arg, &aa);
	xdr_seed("auth_res", 4, (xdrproc_t)xdr_auth_res, &ar);
	xdr_seed("file_arg", 5, (xdrproc_t)xdr_file_arg, &fa);
	xdr_seed("file_end", 6, (xdrproc_t)xdr_file_end, &fe);
	xdr_seed("file_res", 7, (xdrproc_t)xdr_file_res, &fr);
	xdr_seed("end_res", 8, (xdrproc_t)xdr_end_res, &er);
	xdr_seed("session_res", 9, (xdrproc_t)xdr_session_res, &sr);
	xdr_seed("send_file_1_argument", 10,
	    (xdrproc_t)xdr_send_file_1_argument, &sf);
	xdr_seed("use_kimberlize_file_1_argument", 11,
	    (xdrproc_t)xdr_use_kimberlize_file_1_argument, &kf);
	xdr_seed("use_kimberlize_url_1_argument", 12,
	    (xdrproc_t)xdr_use_kimberlize_url_1_argument, &ku);
	xdr_seed("one_string_arg", 13, (xdrproc_t)xdr_wrapstring, &name);
	xdr_seed("last_error_res", 14, (xdrproc_t)xdr_wrapstring, &text);
	xdr_seed("int", 15, (xdrproc_t)xdr_int, &i);
	xdr_seed("bool", 16, (xdrproc_t)xdr_bool, &b);
	xdr_seed("bases_res", 17, (xdrproc_t)xdr_bases_res, &br);
	xdr_seed("attach_token", 18, (xdrproc_t)xdr_attach_token, &at);
	xdr_seed("attach_arg", 19, (xdrproc_t)xdr_attach_arg, &ag);
	xdr_seed("attach_res", 20, (xdrproc_t)xdr_attach_res, &ares);
}

int
main(int argc, char **argv)
{
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	outdir = argv[1];
	mkdir(outdir, 0755);
	snprintf(path, sizeof(path), "%s/server", outdir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/xdr", outdir);
	mkdir(path, 0755);
	floppy[510] = 0x55;
	floppy[511] = 0xaa;
	memcpy(floppy + 3, "mkfs.fat", 8);
	sessions();
	refusals();
	framing();
	xdr_seeds();
	return 0;
}
