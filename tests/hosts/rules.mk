# tests/hosts/: the two-test-host harness (hosts.sh), its NFQUEUE delayer,
# and the harness's own tests.
NFQ_CFLAGS := $(shell $(PKG) --cflags libnetfilter_queue libnfnetlink)
NFQ_LIBS   := $(shell $(PKG) --libs libnetfilter_queue libnfnetlink)

HOSTS_DELAYER := tests/hosts/delayer

$(HOSTS_DELAYER): tests/hosts/delayer.c rpc/clock.o
	$(CC) $(CFLAGS) $(NFQ_CFLAGS) -o $@ $^ $(LDFLAGS) $(NFQ_LIBS)

PROGRAMS  += $(HOSTS_DELAYER)
TAP_TESTS += tests/hosts/up.t tests/hosts/delay.t tests/hosts/down.t
