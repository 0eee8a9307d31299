# tests/unit: C unit tests (cmocka).
CMOCKA_LIBS := $(shell $(PKG) --libs cmocka)
UNIT_NAMES := test_names test_errors test_transfer test_delta test_log test_access \
	test_urlpolicy test_stop test_setup_line test_config test_session test_policy
UNIT_BINS := $(addprefix tests/unit/bin/,$(UNIT_NAMES))

tests/unit/bin/%: tests/unit/%.c tests/unit/scratch.h $(RPC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(UNIT_EXTRA_$*) $(RPC_LIBS) $(CMOCKA_LIBS)

UNIT_EXTRA_test_delta := mobile_launcher/delta.o mobile_launcher/litter.o
tests/unit/bin/test_delta: mobile_launcher/delta.o mobile_launcher/litter.o

UNIT_EXTRA_test_policy := workspace/policy.o
tests/unit/bin/test_policy: workspace/policy.o

UNIT_EXTRA_test_urlpolicy := display_launcher/urlpolicy.o
tests/unit/bin/test_urlpolicy: display_launcher/urlpolicy.o

UNIT_EXTRA_test_stop := display_launcher/cleanup.o
tests/unit/bin/test_stop: display_launcher/cleanup.o

UNIT_EXTRA_test_setup_line := display_launcher/setup.o display_launcher/cleanup.o
tests/unit/bin/test_setup_line: display_launcher/setup.o display_launcher/cleanup.o

# the session without its server: every display_launcher object but main.o
# and server.o (no network), and the parent's code it would call in-process
SESSION_OBJS := $(filter-out display_launcher/main.o display_launcher/server.o \
	display_launcher/svc.o rpc/kimberley_svc.o,$(DL_OBJS))
UNIT_EXTRA_test_session := $(SESSION_OBJS) $(KCM_CLIENT_LIBS) $(CURL_LIBS)
tests/unit/bin/test_session: $(SESSION_OBJS) $(KCM_CLIENT_DEPS)

UNIT_TESTS += $(UNIT_BINS)

# The unit tests alone: no root, no namespaces, no QEMU; seconds.
check-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; ./$$t; done
.PHONY: check-unit
