# workspace/: the OS-level backend's session launcher and its demo app.
WS_X11_CFLAGS := $(shell $(PKG) --cflags x11)
WS_X11_LIBS   := $(shell $(PKG) --libs x11)
WS_OBJS := workspace/kim_workspace.o workspace/policy.o workspace/assemble.o \
           workspace/loop.o workspace/strip.o workspace/mapwait.o

workspace/kim_workspace: $(WS_OBJS) $(RPC_LIB)
	$(CC) $(LDFLAGS) -o $@ $(WS_OBJS) $(RPC_LIB) $(WS_X11_LIBS) -lpthread

$(WS_OBJS): workspace/session.h workspace/policy.h
workspace/mapwait.o: CFLAGS += $(WS_X11_CFLAGS)

# The demo app runs inside the workspace, whose base has no X libraries:
# link it statically (X11, xcb, Xau, Xdmcp are all in the -dev packages).
workspace/kimnote: workspace/kimnote.c
	$(CC) $(CFLAGS) $(WS_X11_CFLAGS) -static -o $@ $< \
		$(shell $(PKG) --static --libs x11)

PROGRAMS += workspace/kim_workspace workspace/kimnote
INSTALL_LIBEXEC += workspace/kim_workspace workspace/kimnote \
                   scripts/dekimberlize_workspace scripts/kimberlize_workspace
INSTALL_SBIN += scripts/make_base_workspace
CLEAN += workspace/kim_workspace workspace/kimnote
