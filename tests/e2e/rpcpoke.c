/* rpcpoke.c -- test tool: speaks the Kimberley protocol call by call, so
 * tests can send what mobile_launcher never would (bad names, oversize
 * pieces, calls out of order) and see each refusal.
 *
 *   rpcpoke HOST:PORT COMMAND [ARG...]
 *
 * Prints "<CODE_NAME>: <sentence>" for the last call (OK on success) and
 * exits 0 when the call went through the network (whatever its verdict). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../mobile_launcher/connect.h"
#include "access.h"
#include "errors.h"
#include "kimberley.h"
#include "sha256.h"

static CLIENT *c;

static int
report(int code)
{
	char *detail = NULL;

	printf("%s: %s\n", code ? kim_error_name(code) : "OK", kim_strerror(code));
	/* the display's detail (LAST_ERROR), when the connection still lives */
	if (code != 0 && code != KIM_E_AUTH_CONTINUE &&
	    last_error_1(&detail, c) == RPC_SUCCESS && detail) {
		printf("detail: %s\n", detail);
		free(detail);
	}
	return 0;
}

static void
link_fail(void)
{
	printf("LINK: rpc failed\n");
	exit(3);
}

static int
begin(const char *name, size_t len, uint64_t size)
{
	file_arg fa;
	int r;

	memset(&fa, 0, sizeof(fa));
	fa.name.name_val = (char *)name;
	fa.name.name_len = (u_int)len;
	fa.size = size;
	if (send_file64_1(fa, &r, c) != RPC_SUCCESS)
		link_fail();
	return r;
}

static int
piece(size_t len, int fill)
{
	data d;
	int r;

	d.data_len = (u_int)len;
	d.data_val = malloc(len ? len : 1);
	memset(d.data_val, fill, len);
	if (send_file_partial_1(d, &r, c) != RPC_SUCCESS)
		link_fail();
	free(d.data_val);
	return r;
}

/* the end of a transfer, with the SHA-256 the sender claims */
static int
end_(const unsigned char sha[32])
{
	file_end e;
	int r;

	memcpy(e.sha256, sha, sizeof(e.sha256));
	if (send_file_end_1(e, &r, c) != RPC_SUCCESS)
		link_fail();
	return r;
}

/* sha256 of len bytes of fill */
static void
sha_of(size_t len, int fill, unsigned char out[32])
{
	char path[] = "/tmp/rpcpoke-XXXXXX";
	int fd = mkstemp(path);
	char *buf = malloc(len ? len : 1);

	memset(buf, fill, len);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		exit(4);
	close(fd);
	kim_sha256_file(path, out);
	unlink(path);
	free(buf);
}

int
main(int argc, char **argv)
{
	char host[128], port[16], why[256];
	unsigned char sha[32];
	int r;

	if (argc < 3 || split_hostport(argv[1], host, sizeof(host), port, sizeof(port))) {
		fprintf(stderr, "usage: rpcpoke HOST:PORT COMMAND [ARG...]\n");
		return 2;
	}
	if ((c = connect_display(host, port, 5, why, sizeof(why))) == NULL) {
		printf("CONNECT: %s\n", why);
		return 3;
	}
	const char *cmd = argv[2];
	if (strcmp(cmd, "name") == 0 && argc == 4) {
		/* the name with \0 written as %00 */
		char buf[4096];
		size_t n = 0;
		for (const char *p = argv[3]; *p && n < sizeof(buf); p++) {
			if (strncmp(p, "%00", 3) == 0) {
				buf[n++] = '\0';
				p += 2;
			} else {
				buf[n++] = *p;
			}
		}
		return report(begin(buf, n, 1));
	}
	if (strcmp(cmd, "name-size") == 0 && argc == 5) {
		/* a name sent as exactly its bytes (no NUL), with a size */
		return report(begin(argv[3], strlen(argv[3]),
		    strtoull(argv[4], NULL, 10)));
	}
	if (strcmp(cmd, "name-len") == 0 && argc == 4) {
		/* a name of N bytes 'a' */
		size_t n = strtoul(argv[3], NULL, 10);
		char *buf = malloc(n + 1);
		memset(buf, 'a', n);
		return report(begin(buf, n, 1));
	}
	if (strcmp(cmd, "many-files") == 0 && argc == 5) {
		/* N complete files of SIZE bytes each; the first refusal */
		int n = atoi(argv[3]);
		size_t size = strtoul(argv[4], NULL, 10);
		char name[32];
		sha_of(size, 'm', sha);
		for (int i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "file%d.bin", i);
			r = begin(name, strlen(name), size);
			for (size_t off = 0; r == 0 && off < size; off += 1 << 20)
				r = piece(size - off < (1 << 20) ? size - off : 1 << 20, 'm');
			if (r == 0)
				r = end_(sha);
			if (r != 0) {
				printf("after %d files: ", i);
				return report(r);
			}
		}
		printf("after %d files: ", n);
		return report(0);
	}
	if (strcmp(cmd, "refuse-flood") == 0 && argc == 4) {
		/* N batched pieces with no transfer open, then one replying call */
		static const struct timeval batch = { 0, 0 };
		int n = atoi(argv[3]);
		char buf[16] = "xxxxxxxxxxxxxxx";
		data d = { sizeof(buf), buf };
		for (int i = 0; i < n; i++) {
			enum clnt_stat st = clnt_call(c, SEND_FILE_BATCH,
			    (xdrproc_t)xdr_data, (caddr_t)&d, (xdrproc_t)NULL,
			    NULL, batch);
			if (st != RPC_SUCCESS && st != RPC_TIMEDOUT)
				link_fail();
		}
		memset(sha, 0, sizeof(sha));
		return report(end_(sha));
	}
	if (strcmp(cmd, "hello-as") == 0 && argc == 4) {
		hello_arg a = { KIM_PROTO_VERSION, argv[3] };
		hello_res h;
		memset(&h, 0, sizeof(h));
		if (hello_1(a, &h, c) != RPC_SUCCESS)
			link_fail();
		return report(h.status);
	}
	if (strcmp(cmd, "guess") == 0 && argc == 4) {
		/* hello, then the access-code challenge answered with CODE */
		hello_arg a = { KIM_PROTO_VERSION, "rpcpoke" };
		unsigned char mac[KIM_AUTH_MAC];
		hello_res h;
		auth_arg aa;
		auth_res ar;
		memset(&h, 0, sizeof(h));
		memset(&aa, 0, sizeof(aa));
		memset(&ar, 0, sizeof(ar));
		if (hello_1(a, &h, c) != RPC_SUCCESS)
			link_fail();
		aa.mech = KIM_AUTH_MECH;
		if (auth_step_1(aa, &ar, c) != RPC_SUCCESS)
			link_fail();
		if (ar.status != KIM_E_AUTH_CONTINUE)
			return report(ar.status);
		if (ar.token.token_len != KIM_AUTH_NONCE ||
		    kim_auth_mac(argv[3], (unsigned char *)ar.token.token_val,
		    ar.token.token_len, mac) != 0)
			return report(KIM_E_INTERNAL);
		aa.token.token_val = (char *)mac;
		aa.token.token_len = sizeof(mac);
		memset(&ar, 0, sizeof(ar));
		if (auth_step_1(aa, &ar, c) != RPC_SUCCESS)
			link_fail();
		return report(ar.status);
	}
	if (strcmp(cmd, "long-name") == 0) {
		char buf[1026];
		memset(buf, 'a', sizeof(buf));
		return report(begin(buf, sizeof(buf), 1));
	}
	if (strcmp(cmd, "chunk-too-big") == 0) {
		if ((r = begin("big.bin", 7, 2 << 20)) != 0)
			return report(r);
		return report(piece((1 << 20) + 1, 'x'));
	}
	if (strcmp(cmd, "chunk-exactly-1mib") == 0) {
		sha_of(1 << 20, 'x', sha);
		if ((r = begin("one.bin", 7, 1 << 20)) != 0)
			return report(r);
		if ((r = piece(1 << 20, 'x')) != 0)
			return report(r);
		return report(end_(sha));
	}
	if (strcmp(cmd, "too-many-bytes") == 0) {
		if ((r = begin("ten.bin", 7, 10)) != 0)
			return report(r);
		return report(piece(11, 'x'));
	}
	if (strcmp(cmd, "checksum") == 0) {
		sha_of(1000, 'y', sha);		/* claim the hash of other bytes */
		if ((r = begin("sum.bin", 7, 1000)) != 0)
			return report(r);
		piece(1000, 'x');
		return report(end_(sha));
	}
	if (strcmp(cmd, "truncated") == 0) {
		sha_of(2000, 'x', sha);
		if ((r = begin("half.bin", 8, 2000)) != 0)
			return report(r);
		piece(1000, 'x');
		return report(end_(sha));
	}
	if (strcmp(cmd, "half-then-hang-up") == 0) {
		if ((r = begin("gone.bin", 8, 3 << 20)) != 0)
			return report(r);
		piece(1 << 20, 'x');
		clnt_destroy(c);
		return report(0);
	}
	if (strcmp(cmd, "seed-send") == 0 && argc == 5) {
		/* the seed's send_file(name, int size) + send_file_partial */
		int size = atoi(argv[4]);
		if (send_file_1(argv[3], size, &r, c) != RPC_SUCCESS)
			link_fail();
		if (r != 0 || size <= 0)
			return report(r);
		return report(piece((size_t)size, 'z'));
	}
	if (strcmp(cmd, "start") == 0 && argc == 5) {
		if (use_kimberlize_file_1(argv[3], argv[4], &r, c) != RPC_SUCCESS)
			link_fail();
		return report(r);
	}
	if (strcmp(cmd, "start-url") == 0 && argc == 5) {
		if (use_kimberlize_url_1(argv[3], argv[4], &r, c) != RPC_SUCCESS)
			link_fail();
		return report(r);
	}
	if (strcmp(cmd, "floppy") == 0 && argc == 4) {
		if (use_persistent_state_1(argv[3], &r, c) != RPC_SUCCESS)
			link_fail();
		return report(r);
	}
	if (strcmp(cmd, "end") == 0) {
		end_res e;
		memset(&e, 0, sizeof(e));
		if (end_usage_1(1, &e, c) != RPC_SUCCESS)
			link_fail();
		r = e.status;
		xdr_free((xdrproc_t)xdr_end_res, (char *)&e);
		return report(r);
	}
	if (strcmp(cmd, "retrieve") == 0 && argc == 4) {
		if (retrieve_file_1(argv[3], &r, c) != RPC_SUCCESS)
			link_fail();
		return report(r);
	}
	if (strcmp(cmd, "hello") == 0) {
		hello_arg a = { KIM_PROTO_VERSION, "rpcpoke" };
		hello_res h;
		memset(&h, 0, sizeof(h));
		if (argc == 4)
			a.proto = atoi(argv[3]);
		if (hello_1(a, &h, c) != RPC_SUCCESS)
			link_fail();
		r = h.status;
		xdr_free((xdrproc_t)xdr_hello_res, (char *)&h);
		return report(r);
	}
	if (strcmp(cmd, "hold") == 0 && argc == 4) {
		/* own the session for N seconds, then hang up */
		hello_arg a = { KIM_PROTO_VERSION, "rpcpoke" };
		hello_res h;
		memset(&h, 0, sizeof(h));
		if (hello_1(a, &h, c) != RPC_SUCCESS)
			link_fail();
		report(h.status);
		xdr_free((xdrproc_t)xdr_hello_res, (char *)&h);
		fflush(stdout);
		sleep((unsigned)atoi(argv[3]));
		return 0;
	}
	fprintf(stderr, "rpcpoke: unknown command %s\n", cmd);
	return 2;
}
