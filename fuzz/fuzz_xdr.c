/* fuzz_xdr.c -- libFuzzer harness over every XDR routine of rpc/kimberley.x.
 *
 * The first byte picks the type; the rest is decoded with xdrmem.  What
 * decodes is encoded again, decoded again and encoded again: the two
 * encodings must be byte for byte the same, and no longer than what the
 * first decode consumed.  (Not equal to the input: the decoders ignore
 * padding, take any non-zero bool as TRUE, and a string with a NUL inside
 * decodes to the C string before it -- which is why file names travel as
 * opaque.)
 * Every decoded object is freed with xdr_free, so LeakSanitizer sees a
 * decoder that leaks on its error paths. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rpc/rpc.h>

#include "kimberley.h"

/* The largest object: a data<KIM_XDR_CHUNK_MAX> and its length word. */
#define ENC_MAX (KIM_XDR_CHUNK_MAX + 64)

union any {
	data d;
	hello_arg ha;
	hello_res hr;
	auth_arg aa;
	auth_res ar;
	file_arg fa;
	file_end fe;
	file_res fr;
	end_res er;
	session_res sr;
	bases_res br;
	attach_token at;
	attach_arg aat;
	attach_res ares;
	send_file_1_argument sf;
	use_kimberlize_file_1_argument kf;
	use_kimberlize_url_1_argument ku;
	char *s;
	int i;
	bool_t b;
};

/* Every routine the client or the server decodes with: the types, the
 * rpcgen argument structs of the procedures with two arguments, and the
 * bare int, bool and string arguments and results. */
static const struct {
	const char *name;
	xdrproc_t proc;
} types[] = {
	{ "data", (xdrproc_t)xdr_data },
	{ "hello_arg", (xdrproc_t)xdr_hello_arg },
	{ "hello_res", (xdrproc_t)xdr_hello_res },
	{ "auth_arg", (xdrproc_t)xdr_auth_arg },
	{ "auth_res", (xdrproc_t)xdr_auth_res },
	{ "file_arg", (xdrproc_t)xdr_file_arg },
	{ "file_end", (xdrproc_t)xdr_file_end },
	{ "file_res", (xdrproc_t)xdr_file_res },
	{ "end_res", (xdrproc_t)xdr_end_res },
	{ "session_res", (xdrproc_t)xdr_session_res },
	{ "send_file_1_argument", (xdrproc_t)xdr_send_file_1_argument },
	{ "use_kimberlize_file_1_argument",
	    (xdrproc_t)xdr_use_kimberlize_file_1_argument },
	{ "use_kimberlize_url_1_argument",
	    (xdrproc_t)xdr_use_kimberlize_url_1_argument },
	{ "string (one-string arguments)", (xdrproc_t)xdr_wrapstring },
	{ "string (LAST_ERROR's result)", (xdrproc_t)xdr_wrapstring },
	{ "int", (xdrproc_t)xdr_int },
	{ "bool", (xdrproc_t)xdr_bool },
	{ "bases_res", (xdrproc_t)xdr_bases_res },
	{ "attach_token", (xdrproc_t)xdr_attach_token },
	{ "attach_arg", (xdrproc_t)xdr_attach_arg },
	{ "attach_res", (xdrproc_t)xdr_attach_res },
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static unsigned char *enc1, *enc2;

static u_int
encode(xdrproc_t proc, union any *obj, unsigned char *buf)
{
	XDR x;
	u_int n;

	xdrmem_create(&x, (char *)buf, ENC_MAX, XDR_ENCODE);
	if (!proc(&x, obj)) {
		fprintf(stderr, "fuzz_xdr: a decoded object does not encode\n");
		abort();
	}
	n = xdr_getpos(&x);
	xdr_destroy(&x);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	union any a, b;
	xdrproc_t proc;
	const char *name;
	u_int used, n1, n2;
	XDR x;

	if (len < 1)
		return 0;
	if (enc1 == NULL &&
	    ((enc1 = malloc(ENC_MAX)) == NULL ||
		(enc2 = malloc(ENC_MAX)) == NULL))
		abort();
	proc = types[in[0] % NTYPES].proc;
	name = types[in[0] % NTYPES].name;
	in++, len--;

	memset(&a, 0, sizeof(a));
	xdrmem_create(&x, (char *)(uintptr_t)in, (u_int)len, XDR_DECODE);
	if (!proc(&x, &a)) {
		xdr_destroy(&x);
		xdr_free(proc, (char *)&a);
		return 0;
	}
	used = xdr_getpos(&x);
	xdr_destroy(&x);

	n1 = encode(proc, &a, enc1);
	if (n1 > used) {
		fprintf(stderr,
		    "fuzz_xdr: %s: decoded %u bytes, encodes to %u\n", name,
		    used, n1);
		abort();
	}
	memset(&b, 0, sizeof(b));
	xdrmem_create(&x, (char *)enc1, n1, XDR_DECODE);
	if (!proc(&x, &b)) {
		fprintf(stderr,
		    "fuzz_xdr: %s: its own encoding does not decode\n", name);
		abort();
	}
	xdr_destroy(&x);
	n2 = encode(proc, &b, enc2);
	if (n2 != n1 || memcmp(enc1, enc2, n1) != 0) {
		fprintf(stderr,
		    "fuzz_xdr: %s: encode(decode(x)) is not stable\n", name);
		abort();
	}
	xdr_free(proc, (char *)&a);
	xdr_free(proc, (char *)&b);
	return 0;
}
