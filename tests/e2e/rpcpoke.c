/* rpcpoke.c -- test tool: speaks the Kimberley protocol call by call, so
 * tests can send what mobile_launcher never would (bad names, oversize
 * pieces, calls out of order) and see each refusal.
 *
 *   rpcpoke HOST:PORT COMMAND [ARG...]
 *
 * Prints "<CODE_NAME>: <sentence>" for the last call (OK on success) and
 * exits 0 when the call went through the network (whatever its verdict).
 *
 * The raw-* commands write the record marking and call header themselves,
 * to send what no RPC library would (undecodable arguments, half records,
 * a byte at a time, many idle connections); see raw_main. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../mobile_launcher/connect.h"
#include "access.h"
#include "errors.h"
#include "kimberley.h"
#include "log.h"
#include "sha256.h"

static CLIENT *c;

static int
report(int code)
{
	char *detail = NULL;

	printf(
	    "%s: %s\n", code ? kim_error_name(code) : "OK", kim_strerror(code));
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

/* ---- raw records ---------------------------------------------------------- */

/* nonblock: do not wait for the handshake (and keep the socket so) */
static int
raw_connect(const char *host, const char *port, int nonblock)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family,
	    SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 &&
	    !(nonblock && errno == EINPROGRESS)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static size_t
put32(unsigned char *p, size_t at, uint32_t v)
{
	v = htonl(v);
	memcpy(p + at, &v, 4);
	return at + 4;
}

/* One whole record (last fragment): a call of proc with AUTH_NONE, then
 * args.  Returns its length in rec. */
static size_t
raw_call(unsigned char *rec, uint32_t xid, uint32_t proc, const void *args,
    size_t alen)
{
	size_t n = 4;

	n = put32(rec, n, xid);
	n = put32(rec, n, 0); /* CALL */
	n = put32(rec, n, 2); /* RPC version */
	n = put32(rec, n, KIMBERLEY_PROG);
	n = put32(rec, n, KIMBERLEY_V1);
	n = put32(rec, n, proc);
	n = put32(rec, n, 0);
	n = put32(rec, n, 0); /* cred: none */
	n = put32(rec, n, 0);
	n = put32(rec, n, 0); /* verf: none */
	if (alen > 0)	      /* a call without arguments may pass NULL */
		memcpy(rec + n, args, alen);
	n += alen;
	put32(rec, 0, 0x80000000u | (uint32_t)(n - 4));
	return n;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read one reply record; its accept_stat (0 SUCCESS, 4 GARBAGE_ARGS), or -1. */
static int
raw_reply(int fd)
{
	unsigned char buf[65536];
	uint32_t mark, len, v[6];

	if (read_all(fd, &mark, 4) != 0)
		return -1;
	len = ntohl(mark) & 0x7fffffffu;
	if (len < 24 || len > sizeof(buf) || read_all(fd, buf, len) != 0)
		return -1;
	memcpy(v, buf, sizeof(v));
	/* xid, REPLY, MSG_ACCEPTED, verf flavor, verf length 0, accept_stat */
	return ntohl(v[2]) == 0 ? (int)ntohl(v[5]) : -1;
}

/* Seconds until the display closes fd (reads and drops whatever it sends),
 * or -1 if it is still open after max_s. */
static double
raw_wait_closed(int fd, double max_s)
{
	double t0 = kim_now();
	char buf[4096];

	for (;;) {
		double left = max_s - (kim_now() - t0);
		struct pollfd p = { fd, POLLIN, 0 };
		if (left <= 0)
			return -1;
		if (poll(&p, 1, (int)(left * 1000) + 1) > 0 &&
		    read(fd, buf, sizeof(buf)) <= 0)
			return kim_now() - t0;
	}
}

static void
sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };
	nanosleep(&ts, NULL);
}

/*
 *   raw-bad-args N        N calls on one connection whose arguments cannot
 *                         be decoded (an 8000-byte vm name, then a patch
 *                         name cut off); prints how many were refused as
 *                         garbage
 *   raw-half MAX          half a record, then silence; prints the seconds
 *                         until the display hangs up, or HELD after MAX s
 *   raw-drip EVERY MAX    a call one byte every EVERY s; same output
 *   raw-idle N SECONDS    N connections that say nothing for SECONDS;
 *                         prints how many the display closed meanwhile
 */
static int
raw_main(const char *host, const char *port, int argc, char **argv)
{
	static unsigned char rec[32768];
	const char *cmd = argv[0];
	double t;
	int fd;

	if (strcmp(cmd, "raw-idle") == 0 && argc == 3) {
		int n = atoi(argv[1]), got = 0, closed = 0;
		int *fds = calloc((size_t)n, sizeof(int));
		double until = kim_now() + atof(argv[2]);
		double t0 = kim_now();
		for (int i = 0; i < n; i++) {
			/* one at a time, as the display accepts them (a burst
			 * would only fill its listen backlog); never more than
			 * 0.2 s for one nor 4 s for all */
			struct pollfd p = { -1, POLLOUT, 0 };
			fds[i] = -1;
			if (kim_now() - t0 > 4 ||
			    (p.fd = raw_connect(host, port, 1)) < 0)
				continue;
			if (poll(&p, 1, 200) == 1 &&
			    !(p.revents & (POLLERR | POLLHUP))) {
				fds[i] = p.fd;
				got++;
			} else {
				close(p.fd);
			}
		}
		while (kim_now() < until)
			sleep_s(0.1);
		for (int i = 0; i < n; i++) {
			char c;
			if (fds[i] >= 0 &&
			    (read(fds[i], &c, 1) == 0 ||
				(errno != EAGAIN && errno != ENOTCONN)))
				closed++;
		}
		printf("connected %d closed %d\n", got, closed);
		return 0;
	}
	if ((fd = raw_connect(host, port, 0)) < 0) {
		printf("CONNECT: %s\n", strerror(errno));
		return 3;
	}
	if (strcmp(cmd, "raw-bad-args") == 0 && argc == 2) {
		unsigned char args[8012];
		int n = atoi(argv[1]), garbage = 0;
		size_t at = put32(args, 0, 8000); /* vm_name: 8000 bytes */
		memset(args + at, 'v', 8000);
		put32(args, at + 8000, 8000); /* patch_file: length, no bytes */
		size_t len =
		    raw_call(rec, 1, USE_KIMBERLIZE_FILE, args, sizeof(args));
		for (int i = 0; i < n; i++) {
			if (write_all(fd, rec, len) != 0)
				break;
			if (raw_reply(fd) == 4) /* GARBAGE_ARGS */
				garbage++;
		}
		printf("garbage %d of %d\n", garbage, n);
		return 0;
	}
	if (strcmp(cmd, "raw-half") == 0 && argc == 2) {
		size_t len = raw_call(rec, 1, NULLPROC, NULL, 0);
		put32(rec, 0, 0x80000000u | 1000); /* promise more than sent */
		if (write_all(fd, rec, len) != 0)
			return 3;
		t = raw_wait_closed(fd, atof(argv[1]));
	} else if (strcmp(cmd, "raw-drip") == 0 && argc == 3) {
		double every = atof(argv[1]), max = atof(argv[2]),
		       t0 = kim_now();
		size_t len = raw_call(rec, 1, NULLPROC, NULL, 0);
		t = -1;
		for (size_t i = 0; kim_now() - t0 < max; i = (i + 1) % len) {
			double w;
			if (write(fd, rec + i, 1) != 1) {
				t = kim_now() - t0;
				break;
			}
			if ((w = raw_wait_closed(fd, every)) >= 0) {
				t = kim_now() - t0;
				break;
			}
		}
	} else {
		fprintf(stderr, "rpcpoke: unknown command %s\n", cmd);
		return 2;
	}
	if (t < 0)
		printf("HELD\n");
	else
		printf("closed after %.1f s\n", t);
	return 0;
}

int
main(int argc, char **argv)
{
	char host[128], port[16], why[256];
	unsigned char sha[32];
	int r;

	if (argc < 3 ||
	    split_hostport(argv[1], host, sizeof(host), port, sizeof(port))) {
		fprintf(stderr, "usage: rpcpoke HOST:PORT COMMAND [ARG...]\n");
		return 2;
	}
	if (strncmp(argv[2], "raw-", 4) == 0)
		return raw_main(host, port, argc - 2, argv + 2);
	if ((c = connect_display(host, port, 5, why, sizeof(why))) == NULL) {
		printf("CONNECT: %s\n", why);
		return 3;
	}
	const char *cmd = argv[2];
	if (strcmp(cmd, "mechs") == 0) {
		/* hello: the mechanisms the display offers this connection */
		hello_arg a = { KIM_PROTO_VERSION, "rpcpoke" };
		hello_res h;
		memset(&h, 0, sizeof(h));
		if (hello_1(a, &h, c) != RPC_SUCCESS)
			link_fail();
		printf("MECHS: %s\n", h.auth_mechs ? h.auth_mechs : "");
		xdr_free((xdrproc_t)xdr_hello_res, (char *)&h);
		return 0;
	}
	if (strcmp(cmd, "auth") == 0 && argc >= 5) {
		/* hello, one AUTH_STEP(MECH, TOKEN with %00 for NUL), its answer;
		 * then COMMAND [ARG...] on the same connection (mid-exchange),
		 * or with "hang-up" nothing more */
		hello_arg a = { KIM_PROTO_VERSION, "rpcpoke" };
		char tok[1024];
		size_t n = 0;
		hello_res h;
		auth_arg aa;
		auth_res ar;
		memset(&h, 0, sizeof(h));
		memset(&aa, 0, sizeof(aa));
		memset(&ar, 0, sizeof(ar));
		for (const char *p = argv[4]; *p && n < sizeof(tok); p++)
			if (strncmp(p, "%00", 3) == 0) {
				tok[n++] = '\0';
				p += 2;
			} else
				tok[n++] = *p;
		if (hello_1(a, &h, c) != RPC_SUCCESS)
			link_fail();
		xdr_free((xdrproc_t)xdr_hello_res, (char *)&h);
		aa.mech = argv[3];
		aa.token.token_val = tok;
		aa.token.token_len = (u_int)n;
		if (auth_step_1(aa, &ar, c) != RPC_SUCCESS)
			link_fail();
		printf("STEP: ");
		report(ar.status);
		xdr_free((xdrproc_t)xdr_auth_res, (char *)&ar);
		fflush(stdout);
		if (argc == 5 || strcmp(argv[5], "hang-up") == 0)
			return 0;
		argv += 3;
		argc -= 3;
		cmd = argv[2];
	}
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
		return report(begin(
		    argv[3], strlen(argv[3]), strtoull(argv[4], NULL, 10)));
	}
	if (strcmp(cmd, "name-len") == 0 && argc == 4) {
		/* a name of N bytes 'a' */
		size_t n = strtoul(argv[3], NULL, 10);
		char *buf = malloc(n + 1);
		if (buf == NULL)
			return report(KIM_E_INTERNAL);
		memset(buf, 'a', n);
		r = begin(buf, n, 1);
		free(buf);
		return report(r);
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
			for (size_t off = 0; r == 0 && off < size;
			     off += 1 << 20)
				r = piece(size - off < (1 << 20) ? size - off
								 : 1 << 20,
				    'm');
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
			enum clnt_stat st =
			    clnt_call(c, SEND_FILE_BATCH, (xdrproc_t)xdr_data,
				(caddr_t)&d, (xdrproc_t)NULL, NULL, batch);
			if (st != RPC_SUCCESS && st != RPC_TIMEDOUT)
				link_fail();
		}
		memset(sha, 0, sizeof(sha));
		return report(end_(sha));
	}
	if (strcmp(cmd, "attach-disk") == 0 && argc == 4) {
		/* ATTACH_DISK NAME (read-write) on this connection */
		attach_arg a = { argv[3], 0, 0 };
		attach_res ar;
		memset(&ar, 0, sizeof(ar));
		if (attach_disk_1(a, &ar, c) != RPC_SUCCESS)
			link_fail();
		r = ar.status;
		xdr_free((xdrproc_t)xdr_attach_res, (char *)&ar);
		return report(r);
	}
	if (strcmp(cmd, "attach-stream") == 0 && argc == 4) {
		/* a stranger's ATTACH_STREAM with the token in hex (docs/attach.md):
		 * then whether the display hung up ("closed") or not */
		unsigned char tok[KIM_ATTACH_TOKEN_LEN * 2];
		size_t n = 0;
		for (const char *h = argv[3]; h[0] && h[1] && n < sizeof(tok);
		     h += 2)
			if (sscanf(h, "%2hhx", &tok[n++]) != 1)
				return 2;
		attach_token t = { (u_int)n, (char *)tok };
		if (attach_stream_1(t, &r, c) != RPC_SUCCESS)
			link_fail();
		printf(
		    "%s: %s\n", r ? kim_error_name(r) : "OK", kim_strerror(r));
		int fd = -1;
		char b;
		clnt_control(c, CLGET_FD, (char *)&fd);
		struct pollfd p = { fd, POLLIN, 0 };
		printf("%s\n",
		    poll(&p, 1, 5000) == 1 && read(fd, &b, 1) == 0 ? "closed"
								   : "open");
		return 0;
	}
	if (strcmp(cmd, "hello-as") == 0 && argc == 4) {
		hello_arg a = { KIM_PROTO_VERSION, argv[3] };
		hello_res h;
		memset(&h, 0, sizeof(h));
		if (hello_1(a, &h, c) != RPC_SUCCESS)
			link_fail();
		r = h.status;
		xdr_free((xdrproc_t)xdr_hello_res, (char *)&h);
		return report(r);
	}
	if ((strcmp(cmd, "guess") == 0 && argc == 4) ||
	    (strcmp(cmd, "guess-screen") == 0 && argc == 4)) {
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
		xdr_free((xdrproc_t)xdr_hello_res, (char *)&h);
		aa.mech =
		    strcmp(cmd, "guess") == 0 ? KIM_AUTH_MECH : "screen-code";
		if (auth_step_1(aa, &ar, c) != RPC_SUCCESS)
			link_fail();
		if (ar.status != KIM_E_AUTH_CONTINUE)
			return report(ar.status);
		r = ar.token.token_len != KIM_AUTH_NONCE ||
		    kim_auth_mac(argv[3], (unsigned char *)ar.token.token_val,
			ar.token.token_len, mac) != 0;
		xdr_free((xdrproc_t)xdr_auth_res, (char *)&ar);
		if (r)
			return report(KIM_E_INTERNAL);
		aa.token.token_val = (char *)mac;
		aa.token.token_len = sizeof(mac);
		memset(&ar, 0, sizeof(ar));
		if (auth_step_1(aa, &ar, c) != RPC_SUCCESS)
			link_fail();
		r = ar.status;
		xdr_free((xdrproc_t)xdr_auth_res, (char *)&ar);
		return report(r);
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
		sha_of(1000, 'y', sha); /* claim the hash of other bytes */
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
		if (use_kimberlize_file_1(argv[3], argv[4], &r, c) !=
		    RPC_SUCCESS)
			link_fail();
		return report(r);
	}
	if (strcmp(cmd, "start-url") == 0 && argc == 5) {
		if (use_kimberlize_url_1(argv[3], argv[4], &r, c) !=
		    RPC_SUCCESS)
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
	if (strcmp(cmd, "pinger") == 0 && argc == 5) {
		/* hello, then null pings every N s without authenticating:
		 * the seconds until the display hangs up, or HELD after MAX s */
		hello_arg a = { KIM_PROTO_VERSION, "rpcpoke" };
		struct timeval tv = { 5, 0 };
		double every = atof(argv[3]), max = atof(argv[4]),
		       t0 = kim_now();
		hello_res h;
		memset(&h, 0, sizeof(h));
		if (hello_1(a, &h, c) != RPC_SUCCESS)
			link_fail();
		xdr_free((xdrproc_t)xdr_hello_res, (char *)&h);
		while (kim_now() - t0 < max) {
			xdrproc_t none = (xdrproc_t)(void (*)(void))xdr_void;
			if (clnt_call(c, NULLPROC, none, NULL, none, NULL,
				tv) != RPC_SUCCESS) {
				printf(
				    "dropped after %.1f s\n", kim_now() - t0);
				return 0;
			}
			sleep_s(every);
		}
		printf("HELD\n");
		return 0;
	}
	fprintf(stderr, "rpcpoke: unknown command %s\n", cmd);
	return 2;
}
