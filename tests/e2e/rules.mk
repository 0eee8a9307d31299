# tests/e2e: the core session's end-to-end tests (one host, direct link).
RPCPOKE_OBJS := tests/e2e/rpcpoke.o mobile_launcher/connect.o
tests/e2e/rpcpoke: $(RPCPOKE_OBJS) $(RPC_LIB)
	$(CC) $(LDFLAGS) -o $@ $(RPCPOKE_OBJS) $(RPC_LIBS)
tests/e2e/rpcpoke.o: rpc/kimberley.h

PROGRAMS  += tests/e2e/rpcpoke
TAP_TESTS += $(sort $(wildcard tests/e2e/*.t))
