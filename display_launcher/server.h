/* server.h -- docs/design.md step 1: the RPC server, a thread per connection so
 * that a second client is told "busy" at once while the first is served. */
#ifndef KIM_SERVER_H
#define KIM_SERVER_H

#include <netinet/in.h>

#include "session.h"

struct server;

/* Listen on addr (host order port 0 = ephemeral) and serve d in a thread.
 * Returns NULL with a sentence in why on failure. */
struct server *server_start(struct display *d, const struct sockaddr_in *addr,
    char *why, size_t whylen);
unsigned server_port(const struct server *s);
void server_stop(struct server *s);
/* Room for cfg->max_conns connections and a session beside them: raise
 * the soft file-descriptor limit if need be, else lower max_conns (and
 * log it).  Before server_start. */
void server_fit_fd_limit(struct display_config *cfg);
/* The connection the current RPC arrived on (valid inside a handler). */
struct conn *server_conn(void);
/* Serve one already-connected fd in the calling thread, as if s had
 * accepted it (for the fuzzer: same cap, deadlines and handlers). */
void server_serve_fd(struct server *s, int fd, const char *peer);

#endif
