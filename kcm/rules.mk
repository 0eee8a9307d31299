# kcm/: the Kimberley Control Manager (D-Bus session service, Avahi, TLS tunnel).
KCM_PKGS   := dbus-1 avahi-client openssl
KCM_CFLAGS := $(shell $(PKG) --cflags $(KCM_PKGS))
KCM_LIBS   := $(shell $(PKG) --libs $(KCM_PKGS))
# For the launchers: link $(KCM_CLIENT_LIBS) (kcm_client.o and libdbus-1).
KCM_CLIENT_DEPS := kcm/kcm_client.o
KCM_CLIENT_LIBS := kcm/kcm_client.o $(shell $(PKG) --libs dbus-1)
KCM_CLIENT_CFLAGS := $(shell $(PKG) --cflags dbus-1)

KCM_OBJS := kcm/main.o kcm/loop.o kcm/avahi.o kcm/bus.o kcm/publish.o \
	kcm/browse.o kcm/relay.o kcm/tls.o kcm/sense.o kcm/widearea.o \
	kcm/list.o kcm/domains.o

$(KCM_OBJS) kcm/kcm_client.o kcm/kcmctl.o: CFLAGS += $(KCM_CFLAGS)
$(KCM_OBJS): kcm/kcm.h kcm/widearea.h
kcm/kcm_client.o kcm/kcmctl.o: kcm/kcm_client.h
kcm/bus.o: kcm/introspect.h

# The introspection XML, as a C string.
kcm/introspect.h: kcm/org.kimberley.KCM.xml
	{ echo '#define KCM_INTROSPECT_XML \'; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n" \\/' $<; \
	  echo '""'; } > $@

kcm/kcm: $(KCM_OBJS) rpc/privdrop.o $(RPC_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(KCM_LIBS) -lpthread

kcm/kcmctl: kcm/kcmctl.o kcm/kcm_client.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(shell $(PKG) --libs dbus-1)

# D-Bus activation file for an installed KCM.
kcm/org.kimberley.KCM.service: kcm/org.kimberley.KCM.service.in paths.stamp
	sed -e 's|@BINDIR@|$(BINDIR)|g' $< > $@

PROGRAMS    += kcm/kcm kcm/kcmctl kcm/org.kimberley.KCM.service
INSTALL_BIN += kcm/kcm kcm/kcmctl
CLEAN       += kcm/introspect.h kcm/org.kimberley.KCM.service

install: install-kcm
install-kcm: kcm/org.kimberley.KCM.service
	install -d $(DESTDIR)$(DATADIR)/dbus-1/services $(DESTDIR)$(DATADIR)/dbus-1/interfaces
	install -m 644 kcm/org.kimberley.KCM.service $(DESTDIR)$(DATADIR)/dbus-1/services/
	install -m 644 kcm/org.kimberley.KCM.xml $(DESTDIR)$(DATADIR)/dbus-1/interfaces/
.PHONY: install-kcm

# The launchers' glue (display_launcher/publish.c, mobile_launcher/discover.c)
# is KCM's too; the launchers link KCM_CLIENT_LIBS.
display_launcher/publish.o mobile_launcher/discover.o: CFLAGS += $(KCM_CLIENT_CFLAGS)
display_launcher/publish.o mobile_launcher/discover.o: kcm/kcm_client.h
display_launcher/display_launcher mobile_launcher/mobile_launcher: kcm/kcm_client.o
