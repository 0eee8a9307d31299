# repo/: the patch repository (docs/repository.md) -- kim_repo (publish,
# search, url), the mint/groups CGI Apache runs, and kim_repo_serve, which
# starts Apache for a repository directory.
XML_CFLAGS := $(shell $(PKG) --cflags libxml-2.0)
XML_LIBS   := $(shell $(PKG) --libs libxml-2.0)

REPO_OBJS := repo/kim_repo.o repo/davxml.o repo/names.o
$(REPO_OBJS) repo/kim_repo_cgi.o: repo/names.h repo/davxml.h
repo/kim_repo.o repo/davxml.o: CFLAGS += $(XML_CFLAGS) $(CURL_CFLAGS)
repo/kim_repo.o: rpc/kimberley.h

repo/kim_repo: $(REPO_OBJS) $(RPC_LIB)
	$(CC) $(LDFLAGS) -o $@ $(REPO_OBJS) $(RPC_LIB) $(CURL_LIBS) $(XML_LIBS) $(CRYPTO_LIBS)

# The mint and groups CGI Apache runs (docs/repository.md, "The mint");
# SHA-1 from OpenSSL, as Apache's own sha1() computes it.
repo/kim_repo_cgi: repo/kim_repo_cgi.o repo/names.o
	$(CC) $(LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

PROGRAMS        += repo/kim_repo repo/kim_repo_cgi
INSTALL_BIN     += repo/kim_repo
INSTALL_LIBEXEC += repo/kim_repo_cgi repo/kim_repo_serve

# the configuration's templates, beside kim_repo_serve
install: install-repo
install-repo:
	install -d $(DESTDIR)$(LIBEXECDIR)/kimberley
	install -m 644 repo/httpd.conf.in repo/group.conf.in $(DESTDIR)$(LIBEXECDIR)/kimberley
.PHONY: install-repo
