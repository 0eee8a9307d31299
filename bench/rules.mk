# bench/: transfer benchmarks between the two test hosts (not part of
# `make check`).  `make bench` builds what they need and runs them.
BENCH_PROGRAMS := bench/tcp_blast

bench/tcp_blast: bench/tcp_blast.c rpc/clock.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

bench-programs: $(BENCH_PROGRAMS) tests/hosts/delayer

# BENCH_ARGS, e.g.: make bench BENCH_ARGS="-r 5 -s 64"
bench: all bench-programs
	bench/transfer $(BENCH_ARGS)

CLEAN += $(BENCH_PROGRAMS)
.PHONY: bench bench-programs
