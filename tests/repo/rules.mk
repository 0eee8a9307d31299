# tests/repo: the patch repository (docs/repository.md) -- the parser and
# names unit test, and TAP tests against a real Apache on loopback.
tests/repo/bin/test_repo: tests/repo/test_repo.c repo/davxml.o repo/names.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XML_CFLAGS) $(LDFLAGS) -o $@ $^ $(XML_LIBS) $(CRYPTO_LIBS) $(CMOCKA_LIBS)

UNIT_TESTS += tests/repo/bin/test_repo
TAP_TESTS  += $(sort $(wildcard tests/repo/*.t))
CLEAN      += -r tests/repo/bin
