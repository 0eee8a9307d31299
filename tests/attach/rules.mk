# tests/attach: a mobile's disk, live in a VM session (--attach; docs/
# attach.md) with the busybox base of tests/vm (its lib.sh and cache).
TAP_TESTS += $(sort $(wildcard tests/attach/*.t))

# a usbredir peer announcing a fake device (tests/attach/30-usb.t)
USBREDIR_CFLAGS := $(shell $(PKG) --cflags libusbredirparser-0.5)
USBREDIR_LIBS   := $(shell $(PKG) --libs libusbredirparser-0.5)
tests/attach/fake_usbredir: tests/attach/fake_usbredir.c
	$(CC) $(CFLAGS) $(USBREDIR_CFLAGS) -o $@ $< $(LDFLAGS) $(USBREDIR_LIBS)
PROGRAMS += tests/attach/fake_usbredir
CLEAN += tests/attach/fake_usbredir
