# tests/unit: C unit tests (cmocka).
CMOCKA_LIBS := $(shell $(PKG) --libs cmocka)
UNIT_NAMES := test_names test_errors test_transfer test_delta test_log test_access \
	test_urlpolicy test_stop
UNIT_BINS := $(addprefix tests/unit/bin/,$(UNIT_NAMES))

tests/unit/bin/%: tests/unit/%.c tests/unit/scratch.h $(RPC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(UNIT_EXTRA_$*) $(RPC_LIBS) $(CMOCKA_LIBS)

UNIT_EXTRA_test_delta := mobile_launcher/delta.o mobile_launcher/spawn.o mobile_launcher/litter.o
tests/unit/bin/test_delta: mobile_launcher/delta.o mobile_launcher/spawn.o mobile_launcher/litter.o

UNIT_EXTRA_test_urlpolicy := display_launcher/urlpolicy.o
tests/unit/bin/test_urlpolicy: display_launcher/urlpolicy.o

UNIT_EXTRA_test_stop := display_launcher/cleanup.o
tests/unit/bin/test_stop: display_launcher/cleanup.o

UNIT_TESTS += $(UNIT_BINS)
