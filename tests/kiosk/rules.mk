# tests/kiosk/: the display as a service -- idle screen (pixels), make
# install, the systemd unit, the man pages, a kiosk serving several sessions.
SCREENCHECK_CFLAGS := $(shell $(PKG) --cflags x11 libpng)
SCREENCHECK_LIBS   := $(shell $(PKG) --libs x11 libpng)

tests/kiosk/screencheck: tests/kiosk/screencheck.c
	$(CC) $(CFLAGS) $(SCREENCHECK_CFLAGS) -o $@ $< $(LDFLAGS) $(SCREENCHECK_LIBS)

PROGRAMS  += tests/kiosk/screencheck
CLEAN     += tests/kiosk/screencheck
TAP_TESTS += $(sort $(wildcard tests/kiosk/*.t))
