# Kimberley -- top-level build.  Each part adds itself in its own rules.mk:
#   PROGRAMS      binaries `make` builds
#   UNIT_TESTS    C unit-test binaries `make check` runs
#   TAP_TESTS     TAP scripts `make check` runs with prove (in this order)
#   INSTALL_BIN / INSTALL_SBIN / INSTALL_LIBEXEC   files `make install` copies
#   CLEAN         extra files `make clean` removes
# `make check-unit` runs the C unit tests alone (tests/unit/rules.mk): no
# root, no namespaces, no QEMU, seconds.
# fuzz/rules.mk adds `make fuzz` and `make asan-check` (docs/fuzzing.md).

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
DESTDIR    ?=

CC      ?= cc
PKG     ?= pkg-config
# `make demo` installs the dependencies before it builds (demo/rules.mk); on
# a fresh machine pkg-config and the libraries are not there yet, so do not
# ask (the newcomer's first screen would be a page of pkg-config errors):
# the build after the install runs in a make of its own, which asks.
ifeq ($(MAKECMDGOALS),demo)
PKG := :
endif
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -I. -Irpc
# -MMD -MP: the compiler writes each object's header dependencies (x.d
# beside x.o), so touching a header rebuilds every object that includes it.
CFLAGS  += -MMD -MP
CFLAGS  += -DKIM_LIBEXECDIR='"$(LIBEXECDIR)/kimberley"' -DKIM_SYSCONFDIR='"$(SYSCONFDIR)"'
# the version, written once (VERSION; the shell tools read the same file)
KIM_VERSION := $(shell cat VERSION)
CFLAGS  += -DKIM_VERSION='"$(KIM_VERSION)"'
LDFLAGS ?=

PROGRAMS        :=
UNIT_TESTS      :=
TAP_TESTS       :=
INSTALL_BIN     :=
INSTALL_SBIN    :=
INSTALL_LIBEXEC :=
CLEAN           :=

all: programs

# Rebuilt when an install path changes, so `make install PREFIX=/usr` after a
# plain `make` does not install programs that look in /usr/local.
INSTALL_PATHS = $(PREFIX) $(BINDIR) $(SBINDIR) $(LIBEXECDIR) $(DATADIR) $(MANDIR) $(SYSCONFDIR)
paths.stamp: FORCE
	@echo '$(INSTALL_PATHS)' | cmp -s - $@ || echo '$(INSTALL_PATHS)' > $@
FORCE:
.PHONY: FORCE

# rpc first (others use its variables), then every part's fragment.
include rpc/rules.mk
include $(sort $(filter-out rpc/rules.mk,$(wildcard */rules.mk tests/*/rules.mk)))

programs: $(PROGRAMS)

-include $(wildcard */*.d */*/*.d */*/*/*.d)

check: all $(UNIT_TESTS) format-check
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; ./$$t; done
	prove -v $(TAP_TESTS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR)/kimberley
	$(if $(INSTALL_BIN),install -m 755 $(INSTALL_BIN) $(DESTDIR)$(BINDIR))
	$(if $(INSTALL_SBIN),install -m 755 $(INSTALL_SBIN) $(DESTDIR)$(SBINDIR))
	$(if $(INSTALL_LIBEXEC),install -m 755 $(INSTALL_LIBEXEC) $(DESTDIR)$(LIBEXECDIR)/kimberley)

# display_launcher's unprivileged RPC side (--user) and KCM (--user,
# KCM_USER in the unit) run as these users.
KIM_USER ?= kimberley
KCM_USER ?= kimberley-kcm
install-user:
	for u in $(KIM_USER) $(KCM_USER); do \
		id $$u > /dev/null 2>&1 || useradd --system --no-create-home \
			--home-dir /nonexistent --shell /usr/sbin/nologin $$u; \
	done

clean:
	rm -f $(PROGRAMS) $(UNIT_TESTS) $(CLEAN) paths.stamp */*.o */*/*.o \
		*/*.d */*/*.d */*/*/*.d

# The one code style (.clang-format).  `make format` rewrites every tracked
# .c/.h but rpcgen's output; `make format-check` lists the files that differ
# from it and fails if any does; `make check` runs it first.
CLANG_FORMAT ?= clang-format
FORMAT_FILES = $(filter-out $(RPC_GEN),$(shell git ls-files '*.c' '*.h' 2>/dev/null))
format:
	$(CLANG_FORMAT) -i $(FORMAT_FILES)
format-check:
	@n=0; for f in $(FORMAT_FILES); do \
		$(CLANG_FORMAT) "$$f" | cmp -s - "$$f" || { echo "$$f"; n=$$((n + 1)); }; \
	done; echo "$$n file(s) differ from .clang-format"; [ $$n = 0 ]

.PHONY: all programs check install install-user clean format format-check
