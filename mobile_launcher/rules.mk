# mobile_launcher/: the mobile's command-line client.
ML_SRCS := main.c connect.c latency.c usb.c progress.c viewer.c delta.c discover.c litter.c
ML_OBJS := $(addprefix mobile_launcher/,$(ML_SRCS:.c=.o))

mobile_launcher/mobile_launcher: $(ML_OBJS) $(RPC_LIB) $(KCM_CLIENT_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(ML_OBJS) $(KCM_CLIENT_LIBS) $(RPC_LIBS)

$(ML_OBJS): rpc/kimberley.h rpc/errors.h rpc/transfer.h $(wildcard mobile_launcher/*.h)

PROGRAMS += mobile_launcher/mobile_launcher
INSTALL_BIN += mobile_launcher/mobile_launcher
