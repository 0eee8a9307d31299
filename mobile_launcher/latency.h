/* latency.h -- docs/design.md step 5: a run of null-RPC pings. */
#ifndef KIM_LATENCY_H
#define KIM_LATENCY_H

#include <rpc/rpc.h>

struct latency {
	int count;
	double min_ms, mean_ms, max_ms;
};

/* count pings; 0, or -1 if the link failed. */
int latency_probe(CLIENT *c, int count, struct latency *out);
/* One ping; 0 or -1. */
int latency_ping(CLIENT *c);

#endif
