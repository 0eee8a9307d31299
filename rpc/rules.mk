# rpc/: protocol, generated stubs, error table, chunked transfer, logging.
TIRPC_CFLAGS := $(shell $(PKG) --cflags libtirpc)
TIRPC_LIBS   := $(shell $(PKG) --libs libtirpc)
CRYPTO_LIBS  := $(shell $(PKG) --libs libcrypto)
CFLAGS += $(TIRPC_CFLAGS)

RPC_GEN := rpc/kimberley.h rpc/kimberley_xdr.c rpc/kimberley_clnt.c rpc/kimberley_svc.c
RPC_LIB_OBJS := rpc/kimberley_xdr.o rpc/kimberley_clnt.o rpc/errors.o rpc/names.o rpc/log.o rpc/transfer.o rpc/sha256.o rpc/config.o rpc/access.o rpc/privdrop.o rpc/clock.o rpc/kim_spawn.o
RPC_LIB := rpc/libkimrpc.a
RPC_LIBS := $(RPC_LIB) $(TIRPC_LIBS) $(CRYPTO_LIBS) -lpthread

# rpcgen refuses to overwrite its output: remove it first.
rpc/kimberley.h: rpc/kimberley.x
	rm -f $@ && rpcgen -N -M -h -o $@ $<
rpc/kimberley_xdr.c: rpc/kimberley.x rpc/kimberley.h
	rm -f $@ && rpcgen -N -M -c -o $@ $<
rpc/kimberley_clnt.c: rpc/kimberley.x rpc/kimberley.h
	rm -f $@ && rpcgen -N -M -l -o $@ $<
# The generated dispatcher; display_launcher calls it from its own loop.
rpc/kimberley_svc.c: rpc/kimberley.x rpc/kimberley.h
	rm -f $@ && rpcgen -N -M -m -o $@ $<

# Generated code is not ours to keep -Wextra clean.
GEN_CFLAGS = $(filter-out -Wextra,$(CFLAGS)) -Wno-unused-variable
rpc/kimberley_xdr.o rpc/kimberley_clnt.o rpc/kimberley_svc.o: %.o: %.c rpc/kimberley.h
	$(CC) $(GEN_CFLAGS) -c -o $@ $<

rpc/errors.o rpc/names.o rpc/log.o rpc/transfer.o rpc/sha256.o rpc/config.o rpc/access.o: rpc/kimberley.h rpc/errors.h rpc/transfer.h rpc/log.h

$(RPC_LIB): $(RPC_LIB_OBJS)
	$(AR) rcs $@ $^

CLEAN += $(RPC_GEN) $(RPC_LIB)
