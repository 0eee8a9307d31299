/*
 * tcp_blast -- the raw TCP reference for bench/transfer: one connection,
 * BYTES from a memory buffer, timed from connect() to the receiver's close
 * (so that, like a file transfer's final reply, the last byte's arrival is
 * inside the time).
 *
 *   tcp_blast recv ADDR:PORT [-p PORTFILE] [-b SOCKBUF]
 *       accept one connection, read until EOF, close; print bytes read.
 *       Port 0: ephemeral; the bound port goes to PORTFILE.
 *   tcp_blast send ADDR:PORT -n BYTES [-b SOCKBUF] [-C CONGESTION]
 *       connect, write BYTES, shut down writing, wait for the receiver's
 *       EOF; print "bytes seconds MiB/s".
 * SOCKBUF (bytes) sets SO_SNDBUF/SO_RCVBUF; without it the kernel autotunes
 * within the namespace's tcp_wmem/tcp_rmem, as for the launchers' sockets.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "rpc/clock.h"

#define BLOCK ((size_t)1 << 20)

static void
parse_addr(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof host)
		errx(2, "address: want IPV4:PORT, not '%s'", s);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535)
		errx(2, "address: bad port in '%s'", s);
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		errx(2, "address: bad IPv4 address in '%s'", s);
}

static void
set_buf(int fd, long sockbuf)
{
	int v = (int)sockbuf;

	if (sockbuf <= 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v) < 0)
		err(1, "setsockopt SO_SNDBUF/SO_RCVBUF");
}

static int
do_recv(const struct sockaddr_in *sin, const char *portfile, long sockbuf)
{
	struct sockaddr_in bound;
	socklen_t len = sizeof bound;
	int one = 1, lfd, fd;
	char *buf = malloc(BLOCK);
	uint64_t total = 0;
	ssize_t n;

	if (buf == NULL)
		err(1, "malloc");
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		err(1, "socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	set_buf(lfd, sockbuf); /* inherited by the accepted socket */
	if (bind(lfd, (const struct sockaddr *)sin, sizeof *sin) < 0)
		err(1, "bind");
	if (listen(lfd, 1) < 0)
		err(1, "listen");
	if (getsockname(lfd, (struct sockaddr *)&bound, &len) < 0)
		err(1, "getsockname");
	if (portfile != NULL) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof tmp, "%s.tmp", portfile);
		if ((f = fopen(tmp, "w")) == NULL ||
		    fprintf(f, "%u\n", ntohs(bound.sin_port)) < 0 ||
		    fclose(f) == EOF || rename(tmp, portfile) < 0)
			err(1, "%s", portfile);
	}
	if ((fd = accept(lfd, NULL, NULL)) < 0)
		err(1, "accept");
	while ((n = read(fd, buf, BLOCK)) > 0)
		total += (uint64_t)n;
	if (n < 0)
		err(1, "read");
	close(fd);
	close(lfd);
	printf("%llu\n", (unsigned long long)total);
	return 0;
}

static int
do_send(const struct sockaddr_in *sin, uint64_t bytes, long sockbuf,
    const char *cong)
{
	char *buf = malloc(BLOCK), c;
	uint64_t left = bytes;
	double t0, t1;
	int fd;

	if (buf == NULL)
		err(1, "malloc");
	memset(buf, 0x5a, BLOCK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		err(1, "socket");
	set_buf(fd, sockbuf);
	if (cong != NULL &&
	    setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cong, strlen(cong)) < 0)
		err(1, "TCP_CONGESTION %s", cong);
	t0 = kim_now();
	if (connect(fd, (const struct sockaddr *)sin, sizeof *sin) < 0)
		err(1, "connect");
	while (left > 0) {
		size_t want = left < BLOCK ? (size_t)left : BLOCK;
		ssize_t n = write(fd, buf, want);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err(1, "write");
		}
		left -= (uint64_t)n;
	}
	if (shutdown(fd, SHUT_WR) < 0)
		err(1, "shutdown");
	if (read(fd, &c, 1) < 0) /* the receiver's close: all bytes read */
		err(1, "read");
	t1 = kim_now();
	close(fd);
	printf("%llu %.3f %.1f\n", (unsigned long long)bytes, t1 - t0,
	    (double)bytes / (1 << 20) / (t1 - t0));
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: tcp_blast recv ADDR:PORT [-p PORTFILE] [-b SOCKBUF]\n"
	    "       tcp_blast send ADDR:PORT -n BYTES [-b SOCKBUF] [-C CONGESTION]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	const char *portfile = NULL, *cong = NULL, *mode;
	long sockbuf = 0;
	unsigned long long bytes = 0;
	int opt;

	if (argc < 3)
		usage();
	mode = argv[1];
	parse_addr(argv[2], &sin);
	optind = 3;
	while ((opt = getopt(argc, argv, "p:b:n:C:")) != -1) {
		switch (opt) {
		case 'p': portfile = optarg; break;
		case 'b': sockbuf = strtol(optarg, NULL, 10); break;
		case 'n': bytes = strtoull(optarg, NULL, 10); break;
		case 'C': cong = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (strcmp(mode, "recv") == 0)
		return do_recv(&sin, portfile, sockbuf);
	if (strcmp(mode, "send") == 0 && bytes > 0)
		return do_send(&sin, bytes, sockbuf, cong);
	usage();
	return 2;
}
