/* fake_usbredir -- test tool: a usbredir "host" (the side a real USB device
 * is on) announcing one fake full-speed device, as `usbredirect --device
 * VID:PID --to HOST:PORT` would for a real one (docs/attach.md, "USB
 * devices").  These machines have no USB at all: the tests check that QEMU
 * attaches the device it announces, and detaches it, through the same path
 * a real one would take.
 *
 *   fake_usbredir --device VID:PID --to HOST:PORT [--announce VID:PID]
 *
 * --announce: announce another device than --device names (a mobile asking
 * for one device and a peer offering another).  Answers nothing the guest
 * asks (a stall for control transfers); runs until the other side closes.
 * Writes "connected" and "closed" on stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <usbredirparser.h>

static int fd = -1;
static struct usbredirparser *parser;

static void
log_cb(void *p, int level, const char *msg)
{
	(void)p;
	if (level <= usbredirparser_warning || getenv("FAKE_USBREDIR_DEBUG"))
		fprintf(stderr, "fake_usbredir: %s\n", msg);
}

static int
read_cb(void *p, uint8_t *data, int count)
{
	(void)p;
	ssize_t n = read(fd, data, (size_t)count);
	if (n == 0) {
		fprintf(stderr, "fake_usbredir: closed\n");
		exit(0);
	}
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	return (int)n;
}

static int
write_cb(void *p, uint8_t *data, int count)
{
	(void)p;
	ssize_t n = write(fd, data, (size_t)count);
	if (getenv("FAKE_USBREDIR_DEBUG"))
		fprintf(stderr, "fake_usbredir: wrote %zd of %d\n", n, count);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	return (int)n;
}

static unsigned vid, pid;

/* the device is announced once the peer's hello came: the headers' size
 * (64-bit ids) depends on both sides' capabilities */
static void
hello_cb(void *p, struct usb_redir_hello_header *h)
{
	(void)p;
	(void)h;
	fprintf(stderr,
	    "fake_usbredir: hello from the guest side; announcing %04x:%04x\n",
	    vid, pid);
	struct usb_redir_interface_info_header ii = { .interface_count = 1 };
	ii.interface[0] = 0;
	ii.interface_class[0] = 0xff;
	usbredirparser_send_interface_info(parser, &ii);
	struct usb_redir_ep_info_header ep;
	memset(&ep, 0, sizeof(ep));
	for (int i = 0; i < 32; i++)
		ep.type[i] = usb_redir_type_invalid;
	ep.type[0] = ep.type[16] = usb_redir_type_control;
	ep.max_packet_size[0] = ep.max_packet_size[16] = 64;
	usbredirparser_send_ep_info(parser, &ep);
	struct usb_redir_device_connect_header dc = { .speed =
							  usb_redir_speed_full,
		.device_class = 0xff,
		.vendor_id = (uint16_t)vid,
		.product_id = (uint16_t)pid,
		.device_version_bcd = 0x0100 };
	usbredirparser_send_device_connect(parser, &dc);
}
static void
void_cb(void *p)
{
	(void)p;
}
#define STUB(name, T) \
	static void name(void *p, uint64_t id, struct T *h) \
	{ \
		(void)p; \
		(void)id; \
		(void)h; \
	}
STUB(set_config_cb, usb_redir_set_configuration_header)
STUB(set_alt_cb, usb_redir_set_alt_setting_header)
STUB(get_alt_cb, usb_redir_get_alt_setting_header)
STUB(start_iso_cb, usb_redir_start_iso_stream_header)
STUB(stop_iso_cb, usb_redir_stop_iso_stream_header)
STUB(start_int_cb, usb_redir_start_interrupt_receiving_header)
STUB(stop_int_cb, usb_redir_stop_interrupt_receiving_header)
STUB(alloc_bulk_cb, usb_redir_alloc_bulk_streams_header)
STUB(free_bulk_cb, usb_redir_free_bulk_streams_header)
STUB(start_bulk_cb, usb_redir_start_bulk_receiving_header)
STUB(stop_bulk_cb, usb_redir_stop_bulk_receiving_header)
static void
id_cb(void *p, uint64_t id)
{
	(void)p;
	(void)id;
}
static void
filter_cb(void *p, struct usbredirfilter_rule *r, int n)
{
	(void)p;
	free(r);
	(void)n;
}

/* every transfer: stalled (there is no device behind us) */
static void
control_cb(void *p, uint64_t id, struct usb_redir_control_packet_header *h,
    uint8_t *data, int len)
{
	(void)p;
	h->status = usb_redir_stall;
	h->length = 0;
	usbredirparser_send_control_packet(parser, id, h, NULL, 0);
	if (data)
		usbredirparser_free_packet_data(parser, data);
	(void)len;
}
#define DATA_STUB(name, T) \
	static void name(void *p, uint64_t id, struct T *h, uint8_t *d, int n) \
	{ \
		(void)p; \
		(void)id; \
		(void)h; \
		(void)n; \
		if (d) \
			usbredirparser_free_packet_data(parser, d); \
	}
DATA_STUB(bulk_cb, usb_redir_bulk_packet_header)
DATA_STUB(iso_cb, usb_redir_iso_packet_header)
DATA_STUB(int_cb, usb_redir_interrupt_packet_header)

static int
parse_id(const char *s, unsigned *vid, unsigned *pid)
{
	char tail;
	return sscanf(s, "%4x:%4x%c", vid, pid, &tail) == 2 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const char *dev = NULL, *to = NULL, *announce = NULL;
	uint32_t caps[USB_REDIR_CAPS_SIZE] = { 0 };

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--device"))
			dev = argv[i + 1];
		else if (!strcmp(argv[i], "--to"))
			to = argv[i + 1];
		else if (!strcmp(argv[i], "--announce"))
			announce = argv[i + 1];
	}
	if (!dev || !to ||
	    parse_id(announce ? announce : dev, &vid, &pid) != 0) {
		fprintf(stderr,
		    "usage: fake_usbredir --device VID:PID --to HOST:PORT [--announce VID:PID]\n");
		return 2;
	}
	char host[256], *colon;
	snprintf(host, sizeof(host), "%s", to);
	if ((colon = strrchr(host, ':')) == NULL)
		return 2;
	*colon = '\0';
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return 1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		perror("fake_usbredir: connect");
		return 1;
	}
	freeaddrinfo(ai);
	fcntl(fd, F_SETFL, O_NONBLOCK); /* the parser reads until EAGAIN */
	fprintf(stderr, "fake_usbredir: connected\n");

	parser = usbredirparser_create();
	parser->log_func = log_cb;
	parser->read_func = read_cb;
	parser->write_func = write_cb;
	parser->hello_func = hello_cb;
	parser->reset_func = void_cb;
	parser->set_configuration_func = set_config_cb;
	parser->get_configuration_func = id_cb;
	parser->set_alt_setting_func = set_alt_cb;
	parser->get_alt_setting_func = get_alt_cb;
	parser->start_iso_stream_func = start_iso_cb;
	parser->stop_iso_stream_func = stop_iso_cb;
	parser->start_interrupt_receiving_func = start_int_cb;
	parser->stop_interrupt_receiving_func = stop_int_cb;
	parser->alloc_bulk_streams_func = alloc_bulk_cb;
	parser->free_bulk_streams_func = free_bulk_cb;
	parser->cancel_data_packet_func = id_cb;
	parser->filter_reject_func = void_cb;
	parser->filter_filter_func = filter_cb;
	parser->device_disconnect_ack_func = void_cb;
	parser->start_bulk_receiving_func = start_bulk_cb;
	parser->stop_bulk_receiving_func = stop_bulk_cb;
	parser->control_packet_func = control_cb;
	parser->bulk_packet_func = bulk_cb;
	parser->iso_packet_func = iso_cb;
	parser->interrupt_packet_func = int_cb;
	/* what QEMU's xhci wants of a host (docs/attach.md) */
	usbredirparser_caps_set_cap(caps, usb_redir_cap_connect_device_version);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_filter);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_device_disconnect_ack);
	usbredirparser_caps_set_cap(
	    caps, usb_redir_cap_ep_info_max_packet_size);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
	usbredirparser_init(parser, "kimberley fake_usbredir 1", caps,
	    USB_REDIR_CAPS_SIZE, usbredirparser_fl_usb_host);

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (usbredirparser_has_data_to_write(parser))
			p.events |= POLLOUT;
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return 1;
		if ((p.revents & POLLOUT) &&
		    usbredirparser_do_write(parser) != 0)
			return 1;
		if ((p.revents & (POLLIN | POLLHUP)) &&
		    usbredirparser_do_read(parser) != 0) {
			fprintf(stderr, "fake_usbredir: closed\n");
			return 0;
		}
	}
}
