# tests/tools/: vncgrab, the scripted VNC viewer tests and the demo use.
VNCGRAB_CFLAGS := $(shell $(PKG) --cflags libvncclient libpng x11)
VNCGRAB_LIBS   := $(shell $(PKG) --libs libvncclient libpng x11)
PROGRAMS += tests/tools/vncgrab
CLEAN += tests/tools/vncgrab

tests/tools/vncgrab: tests/tools/vncgrab.c rpc/clock.o
	$(CC) $(CFLAGS) $(VNCGRAB_CFLAGS) -o $@ $^ $(LDFLAGS) $(VNCGRAB_LIBS)
