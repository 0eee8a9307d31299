# kiosk/: the display as a service -- the idle screen shown between sessions,
# the systemd unit and its example configuration; man/ (the man pages) is
# installed from here too.
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
KIOSK_X11_CFLAGS := $(shell $(PKG) --cflags x11)
KIOSK_X11_LIBS   := $(shell $(PKG) --libs x11)

kiosk/idle_screen: kiosk/idle_screen.c
	$(CC) $(CFLAGS) $(KIOSK_X11_CFLAGS) -o $@ $< $(LDFLAGS) $(KIOSK_X11_LIBS)

# The unit names the installed display_launcher (SBINDIR).
kiosk/kimberley-display.service: kiosk/kimberley-display.service.in paths.stamp
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< > $@

PROGRAMS        += kiosk/idle_screen kiosk/kimberley-display.service
INSTALL_LIBEXEC += kiosk/idle_screen
CLEAN           += kiosk/idle_screen kiosk/kimberley-display.service

# man/rules.mk makes MAN_PAGES.
KIOSK_MAN1 = $(filter %.1,$(MAN_PAGES))
KIOSK_MAN8 = $(filter %.8,$(MAN_PAGES))

install: install-kiosk
install-kiosk: kiosk/kimberley-display.service $(MAN_PAGES)
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DATADIR)/doc/kimberley \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 644 kiosk/kimberley-display.service $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 644 kiosk/display.conf.example $(DESTDIR)$(DATADIR)/doc/kimberley/
	install -m 644 $(KIOSK_MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(KIOSK_MAN8) $(DESTDIR)$(MANDIR)/man8/
.PHONY: install-kiosk
