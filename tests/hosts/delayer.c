/*
 * delayer -- hold every packet of one NFQUEUE queue for a fixed time, then
 * accept it.  A stand-in for netem's delay (this kernel has no sch_netem),
 * made to keep up with bulk TCP:
 *   - NFQA_CFG_F_GSO: a 64 KiB GSO packet stays one queue entry;
 *   - metadata-only copies (no payload crosses to user space);
 *   - a large netlink receive buffer and a long kernel queue;
 *   - every pending message drained per wake-up (recv MSG_DONTWAIT);
 *   - verdicts in batches (one nfq_set_verdict_batch for all packets due).
 * Packets of one queue arrive in id order and all wait the same time, so the
 * held packets form a FIFO and "accept up to id N" releases exactly the due
 * ones.  On SIGTERM/SIGINT it accepts what it holds and exits.
 *
 * usage: delayer -q QUEUE -d DELAY_US [-r READY_FILE]
 * The iptables rule (e.g. -A INPUT -i wifi0 -j NFQUEUE --queue-num Q
 * --queue-bypass) is the caller's business; READY_FILE gets "ready" once the
 * queue is bound.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "rpc/clock.h"

#define QUEUE_MAXLEN (1u << 17)	 /* packets the kernel may hold */
#define RCVBUF_BYTES (64u << 20) /* netlink receive buffer */
#define RECV_BYTES (1u << 16)	 /* one recv(), metadata only */
#define RING_SLOTS (1u << 18)	 /* > QUEUE_MAXLEN */

struct held {
	uint32_t id;
	uint64_t due_ns;
};

struct delayer {
	struct nfq_q_handle *qh;
	struct held *ring;
	size_t head, count;
	uint64_t delay_ns;
	uint64_t now_ns;	/* time of the current drain */
	unsigned long overflow; /* packets accepted early: ring full */
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	kim_monotonic(&ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
    void *data)
{
	struct delayer *d = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	uint32_t id;

	(void)msg;
	if (ph == NULL)
		return 0;
	id = ntohl(ph->packet_id);
	if (d->count == RING_SLOTS) {
		/* Cannot happen with QUEUE_MAXLEN < RING_SLOTS; never drop. */
		d->overflow++;
		return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	}
	d->ring[(d->head + d->count) % RING_SLOTS] =
	    (struct held){ .id = id, .due_ns = d->now_ns + d->delay_ns };
	d->count++;
	return 0;
}

/* Accept every held packet due by `limit`, with one batch verdict. */
static void
release(struct delayer *d, uint64_t limit)
{
	uint32_t last = 0;
	int any = 0;

	while (d->count > 0 && d->ring[d->head].due_ns <= limit) {
		last = d->ring[d->head].id;
		any = 1;
		d->head = (d->head + 1) % RING_SLOTS;
		d->count--;
	}
	if (any && nfq_set_verdict_batch(d->qh, last, NF_ACCEPT) < 0)
		warn("verdict up to packet %u", last);
}

/* Read everything the kernel has queued for us, without blocking. */
static void
drain(struct nfq_handle *h, int fd, struct delayer *d, char *buf)
{
	for (;;) {
		ssize_t n = recv(fd, buf, RECV_BYTES, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			if (errno == ENOBUFS) {
				warnx(
				    "netlink receive buffer overrun: packets lost");
				continue;
			}
			err(1, "recv from netlink");
		}
		d->now_ns = now_ns();
		nfq_handle_packet(h, buf, (int)n);
	}
}

static void
usage(void)
{
	fprintf(
	    stderr, "usage: delayer -q QUEUE -d DELAY_US [-r READY_FILE]\n");
	exit(2);
}

static unsigned long
parse_num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		errx(2, "%s: not a number: '%s'", what, s);
	return v;
}

int
main(int argc, char **argv)
{
	struct delayer d = { 0 };
	struct nfq_handle *h;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *ready = NULL;
	unsigned long queue = 0, delay_us = 0;
	int opt, fd, have_q = 0, have_d = 0;
	char *buf;
	sigset_t block, waitmask;

	while ((opt = getopt(argc, argv, "q:d:r:")) != -1) {
		switch (opt) {
		case 'q':
			queue = parse_num(optarg, "queue");
			have_q = 1;
			break;
		case 'd':
			delay_us = parse_num(optarg, "delay");
			have_d = 1;
			break;
		case 'r': ready = optarg; break;
		default: usage();
		}
	}
	if (!have_q || !have_d || optind != argc || queue > 65535)
		usage();
	d.delay_ns = (uint64_t)delay_us * 1000u;
	d.ring = calloc(RING_SLOTS, sizeof *d.ring);
	buf = malloc(RECV_BYTES);
	if (d.ring == NULL || buf == NULL)
		err(1, "malloc");

	/* The signals are let in only while waiting in ppoll: no lost wake-up. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if ((h = nfq_open()) == NULL)
		err(1, "nfq_open");
	if (nfq_unbind_pf(h, AF_INET) < 0 || nfq_bind_pf(h, AF_INET) < 0)
		err(1, "nfq_bind_pf");
	if ((d.qh = nfq_create_queue(h, (uint16_t)queue, on_packet, &d)) ==
	    NULL)
		err(1, "queue %lu: nfq_create_queue", queue);
	if (nfq_set_mode(d.qh, NFQNL_COPY_META, 0) < 0)
		err(1, "nfq_set_mode");
	if (nfq_set_queue_maxlen(d.qh, QUEUE_MAXLEN) < 0)
		err(1, "nfq_set_queue_maxlen");
	if (nfq_set_queue_flags(d.qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO) < 0)
		err(1, "nfq_set_queue_flags(GSO)");
	fd = nfq_fd(h);
	nfnl_rcvbufsiz(nfq_nfnlh(h), RCVBUF_BYTES);
	{
		int one = 1;
		/* Overruns are reported (ENOBUFS) but must not stop us. */
		setsockopt(
		    fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
	}

	if (ready != NULL) {
		FILE *f = fopen(ready, "w");

		if (f == NULL || fputs("ready\n", f) == EOF || fclose(f) == EOF)
			err(1, "%s", ready);
	}

	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec ts, *tsp = NULL;

		if (d.count > 0) {
			uint64_t now = now_ns(), due = d.ring[d.head].due_ns;
			uint64_t wait = due > now ? due - now : 0;

			ts.tv_sec = (time_t)(wait / 1000000000u);
			ts.tv_nsec = (long)(wait % 1000000000u);
			tsp = &ts;
		}
		if (ppoll(&pfd, 1, tsp, &waitmask) < 0 && errno != EINTR)
			err(1, "ppoll");
		if (pfd.revents & POLLIN)
			drain(h, fd, &d, buf);
		release(&d, now_ns());
	}
	release(&d, UINT64_MAX);
	if (d.overflow > 0)
		warnx("%lu packets passed undelayed (hold ring full)",
		    d.overflow);
	nfq_destroy_queue(d.qh);
	nfq_close(h);
	return 0;
}
