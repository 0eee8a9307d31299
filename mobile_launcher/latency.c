/* latency.c -- null-RPC pings: min / mean / max round trip. */
#include <rpc/rpc.h>

#include "kimberley.h"
#include "latency.h"
#include "log.h"

int
latency_ping(CLIENT *c)
{
	struct timeval tv = { 30, 0 };

	/* (void (*)(void)) tells the compiler the cast is deliberate */
	xdrproc_t none = (xdrproc_t)(void (*)(void))xdr_void;

	return clnt_call(c, NULLPROC, none, NULL, none, NULL, tv) == RPC_SUCCESS
	    ? 0
	    : -1;
}

int
latency_probe(CLIENT *c, int count, struct latency *out)
{
	double sum = 0;

	out->count = 0;
	out->min_ms = out->mean_ms = out->max_ms = 0;
	for (int i = 0; i < count; i++) {
		double t0 = kim_now();
		if (latency_ping(c) != 0)
			return -1;
		double ms = (kim_now() - t0) * 1000.0;
		if (i == 0 || ms < out->min_ms)
			out->min_ms = ms;
		if (ms > out->max_ms)
			out->max_ms = ms;
		sum += ms;
		out->count++;
	}
	out->mean_ms = count ? sum / count : 0;
	kim_log("latency", "pings=%d min_ms=%.3f mean_ms=%.3f max_ms=%.3f",
	    out->count, out->min_ms, out->mean_ms, out->max_ms);
	return 0;
}
