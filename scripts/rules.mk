# scripts/: the VM backend (make_base_vm, kimberlize, dekimberlize,
# display_setup, make_floppy), the patch tool and the QMP client.
JSONC_CFLAGS := $(shell $(PKG) --cflags json-c)
JSONC_LIBS   := $(shell $(PKG) --libs json-c)
PROGRAMS += scripts/kim_qmp
CLEAN += scripts/kim_qmp

scripts/kim_qmp: scripts/kim_qmp.c rpc/clock.o
	$(CC) $(CFLAGS) $(JSONC_CFLAGS) -o $@ $^ $(LDFLAGS) $(JSONC_LIBS)

# kim_patch's check and unpack (one process instead of ~40)
PATCH_LIBS := $(shell $(PKG) --libs libzstd liblzma libcrypto)
PATCH_CFLAGS := $(shell $(PKG) --cflags libzstd liblzma libcrypto)
PROGRAMS += scripts/kim_patch_unpack
CLEAN += scripts/kim_patch_unpack

scripts/kim_patch_unpack: scripts/kim_patch_unpack.c scripts/be.h scripts/die.h rpc/kimberley.h
	$(CC) $(CFLAGS) $(PATCH_CFLAGS) $(JSONC_CFLAGS) -o $@ $< $(LDFLAGS) $(PATCH_LIBS) $(JSONC_LIBS)

# kim_disk: patch format 2's disk part, 4 KiB chunks against the base
PROGRAMS += scripts/kim_disk
CLEAN += scripts/kim_disk

scripts/kim_disk: scripts/kim_disk.c scripts/be.h scripts/die.h
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

# kim_fill: QEMU's window over the whole screen (docs/vm.md)
FILL_CFLAGS := $(shell $(PKG) --cflags x11)
FILL_LIBS   := $(shell $(PKG) --libs x11)
PROGRAMS += scripts/kim_fill
CLEAN += scripts/kim_fill

scripts/kim_fill: scripts/kim_fill.c rpc/clock.o
	$(CC) $(CFLAGS) $(FILL_CFLAGS) -o $@ $^ $(LDFLAGS) $(FILL_LIBS)

VM_SCRIPTS := scripts/kim_patch scripts/kim_patch_unpack scripts/kim_disk scripts/kim_qmp scripts/kim_fill scripts/kim_base scripts/vm_lib.sh scripts/kim_version.sh VERSION scripts/make_base_vm \
	scripts/make_floppy scripts/kimberlize scripts/dekimberlize scripts/display_setup
INSTALL_LIBEXEC += $(VM_SCRIPTS)

# the guest's files sit beside make_base_vm when installed
install: install-vm-guest
install-vm-guest:
	install -d $(DESTDIR)$(LIBEXECDIR)/kimberley/guest
	install -m 755 scripts/guest/init scripts/guest/rcS scripts/guest/tty1 scripts/guest/kim-agent \
		scripts/guest/xinitrc scripts/guest/xsession $(DESTDIR)$(LIBEXECDIR)/kimberley/guest
	install -m 644 scripts/guest/inittab scripts/guest/kim-agent.service scripts/guest/kim-x.service \
		$(DESTDIR)$(LIBEXECDIR)/kimberley/guest
.PHONY: install-vm-guest

# The publisher's and operator's commands on PATH: wrappers that run the
# libexec copies (which find vm_lib.sh and guest/ beside themselves).
install: install-vm-commands
install-vm-commands:
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	for c in kimberlize make_floppy; do \
		printf '#!/bin/sh\nexec %s/kimberley/%s "$$@"\n' '$(LIBEXECDIR)' $$c > $(DESTDIR)$(BINDIR)/$$c; \
		chmod 755 $(DESTDIR)$(BINDIR)/$$c; done
	for c in make_base_vm dekimberlize; do \
		printf '#!/bin/sh\nexec %s/kimberley/%s "$$@"\n' '$(LIBEXECDIR)' $$c > $(DESTDIR)$(SBINDIR)/$$c; \
		chmod 755 $(DESTDIR)$(SBINDIR)/$$c; done
.PHONY: install-vm-commands
