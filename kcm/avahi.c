/* avahi.c -- the avahi-client connection, kept alive across daemon restarts.
 *
 * Shaped like avahi's examples: one poll object, one client, and a state
 * callback that handles every state including FAILURE.  The client is made
 * with AVAHI_CLIENT_NO_FAIL, so KCM starts (and answers sense()) even when
 * avahi-daemon is not running yet; publications are (re)registered each
 * time the client reaches RUNNING.  If even the client cannot be made (no
 * system bus), the next publish or browse tries again. */
#include <stdio.h>
#include <avahi-common/error.h>
#include "kcm/kcm.h"

static void client_cb(AvahiClient *c, AvahiClientState state, void *data);

static int
client_new(struct kcm *k)
{
	int err;
	k->avahi =
	    avahi_client_new(k->api, AVAHI_CLIENT_NO_FAIL, client_cb, k, &err);
	if (!k->avahi) {
		k->avahi_err = err;
		kcm_log(
		    "avahi: cannot create a client: %s", avahi_strerror(err));
		return -1;
	}
	return 0;
}

static void
client_cb(AvahiClient *c, AvahiClientState state, void *data)
{
	struct kcm *k = data;
	k->avahi = c; /* the callback can run inside avahi_client_new */
	k->avahi_state = state;
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
		kcm_log("avahi: connected to avahi-daemon");
		pub_register_all(k);
		domains_start(k);
		break;
	case AVAHI_CLIENT_S_COLLISION:
	case AVAHI_CLIENT_S_REGISTERING:
		/* The host name changed: our records go; re-added at RUNNING. */
		pub_reset_all(k);
		break;
	case AVAHI_CLIENT_CONNECTING:
		kcm_log("avahi: waiting for avahi-daemon to start");
		break;
	case AVAHI_CLIENT_FAILURE:
		k->avahi_err = avahi_client_errno(c);
		kcm_log("avahi: %s", avahi_strerror(k->avahi_err));
		pub_reset_all(k);
		search_avahi_lost(k);
		list_avahi_lost(k);
		domains_lost(k);
		avahi_client_free(c);
		k->avahi = NULL;
		/* The daemon went away: wait for it to come back. */
		client_new(k);
		break;
	}
}

int
avahi_start(struct kcm *k)
{
	return client_new(k);
}

const char *
avahi_problem(struct kcm *k)
{
	static char msg[256];
	/* No client at all (e.g. no system bus when KCM started): try again
	 * now, on demand, rather than on a timer. */
	if (!k->avahi)
		client_new(k);
	if (k->avahi && k->avahi_state == AVAHI_CLIENT_S_RUNNING)
		return NULL;
	if (!k->avahi || k->avahi_state == AVAHI_CLIENT_CONNECTING ||
	    k->avahi_state == AVAHI_CLIENT_FAILURE) {
		snprintf(msg, sizeof msg,
		    "avahi-daemon is not running or not reachable on "
		    "the system bus%s%s (start avahi-daemon; KCM will use it as soon as it "
		    "appears)",
		    k->avahi_err ? ": " : "",
		    k->avahi_err ? avahi_strerror(k->avahi_err) : "");
		return msg;
	}
	return "avahi-daemon is registering the host name; try again in a moment";
}
