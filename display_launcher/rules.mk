# display_launcher/: the display's RPC server and session.
CURL_CFLAGS := $(shell $(PKG) --cflags libcurl)
CURL_LIBS   := $(shell $(PKG) --libs libcurl)
SASL_CFLAGS := $(shell $(PKG) --cflags libsasl2)
SASL_LIBS   := $(shell $(PKG) --libs libsasl2)

DL_SRCS := main.c server.c svc.c session.c hello.c transfer.c persistent_state.c \
	kimberlize.c usb.c end_usage.c retrieve.c setup.c fetch.c urlpolicy.c idle.c cleanup.c publish.c \
	spool.c priv.c parent.c patchcache.c bases.c attach.c sasl.c
DL_OBJS := $(addprefix display_launcher/,$(DL_SRCS:.c=.o)) rpc/kimberley_svc.o

# KCM's client library (kcm/rules.mk sets KCM_CLIENT_LIBS and its deps).
display_launcher/display_launcher: $(DL_OBJS) $(RPC_LIB) $(KCM_CLIENT_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(DL_OBJS) $(KCM_CLIENT_LIBS) $(RPC_LIBS) $(CURL_LIBS) $(SASL_LIBS)

$(DL_OBJS): rpc/kimberley.h rpc/errors.h rpc/transfer.h display_launcher/session.h \
	display_launcher/setup.h display_launcher/server.h display_launcher/publish.h \
	display_launcher/idle.h display_launcher/cleanup.h \
	display_launcher/fetch.h display_launcher/urlpolicy.h display_launcher/priv.h \
	display_launcher/spool.h display_launcher/step.h rpc/sha256.h rpc/names.h \
	display_launcher/patchcache.h display_launcher/attach.h display_launcher/sasl.h
display_launcher/fetch.o: CFLAGS += $(CURL_CFLAGS)
display_launcher/sasl.o: CFLAGS += $(SASL_CFLAGS)

PROGRAMS += display_launcher/display_launcher
INSTALL_SBIN += display_launcher/display_launcher
# main.o has LIBEXECDIR and SYSCONFDIR built in.
display_launcher/main.o: paths.stamp
