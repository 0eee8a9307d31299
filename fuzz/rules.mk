# fuzz/: libFuzzer harnesses (clang) over every XDR routine of
# rpc/kimberley.x and over display_launcher's server, their seed corpus, and
# the sanitizer build of both launchers (docs/fuzzing.md).
#   make fuzz        each harness for FUZZ_SECONDS (default 30) on its seeds
#   make fuzz-seeds  write fuzz/corpus/ again (after a protocol change)
#   make asan-check  both launchers with ASan+UBSan+LSan, e2e tests, no report
# Everything is built under build/, so the normal build is left alone.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_OUT     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS   = -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	$(filter-out -O% -g,$(CFLAGS)) -Idisplay_launcher

# The code under test: the protocol library and the server without main.c.
FUZZ_LIB_OBJS := $(addprefix $(FUZZ_OUT)/,$(RPC_LIB_OBJS))
FUZZ_DL_OBJS  := $(addprefix $(FUZZ_OUT)/,$(filter-out display_launcher/main.o,$(DL_OBJS)) \
	kcm/kcm_client.o)

$(FUZZ_OUT)/%.o: %.c rpc/kimberley.h $(wildcard rpc/*.h display_launcher/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_OUT)/rpc/kimberley_xdr.o $(FUZZ_OUT)/rpc/kimberley_clnt.o \
$(FUZZ_OUT)/rpc/kimberley_svc.o: FUZZ_CFLAGS += -Wno-extra -Wno-unused-variable
$(FUZZ_OUT)/display_launcher/fetch.o: FUZZ_CFLAGS += $(CURL_CFLAGS)
$(FUZZ_OUT)/kcm/kcm_client.o $(FUZZ_OUT)/display_launcher/publish.o: \
	FUZZ_CFLAGS += $(KCM_CLIENT_CFLAGS)

$(FUZZ_OUT)/fuzz_xdr: $(FUZZ_OUT)/fuzz/fuzz_xdr.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(TIRPC_LIBS) $(CRYPTO_LIBS)

$(FUZZ_OUT)/fuzz_server: $(FUZZ_OUT)/fuzz/fuzz_server.o $(FUZZ_DL_OBJS) $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(TIRPC_LIBS) \
	    $(CRYPTO_LIBS) $(CURL_LIBS) $(SASL_LIBS) $(shell $(PKG) --libs dbus-1) -lpthread

FUZZERS := xdr server
fuzz-build: $(addprefix $(FUZZ_OUT)/fuzz_,$(FUZZERS))

fuzz: fuzz-build
	@set -e; for f in $(FUZZERS); do fuzz/run $$f $(FUZZ_SECONDS); done

# The seed generator: the real XDR routines, built the normal way.
$(FUZZ_OUT)/mkseeds: fuzz/mkseeds.c $(RPC_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(RPC_LIBS)

fuzz-seeds: $(FUZZ_OUT)/mkseeds
	rm -rf fuzz/corpus/server fuzz/corpus/xdr
	$(FUZZ_OUT)/mkseeds fuzz/corpus

asan-check:
	fuzz/asan-check

clean: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_OUT) build/asan

.PHONY: fuzz fuzz-build fuzz-seeds asan-check clean-fuzz
