/* loop.c -- attach a read-only image to a free loop device and mount it. */
#include "session.h"
#include "rpc/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define LOOP_TRIES 16

static int
attach(int imgfd, char *dev, size_t devlen)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);

	if (ctl < 0) {
		kim_log("workspace", "/dev/loop-control: %s", strerror(errno));
		return -1;
	}
	for (int tries = 0; tries < LOOP_TRIES; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		int fd;
		struct loop_config lc;

		if (n < 0)
			break;
		snprintf(dev, devlen, "/dev/loop%d", n);
		fd = open(dev, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			mknod(dev, S_IFBLK | 0600, makedev(7, n));
			fd = open(dev, O_RDONLY | O_CLOEXEC);
		}
		if (fd < 0)
			continue;
		memset(&lc, 0, sizeof lc);
		lc.fd = imgfd;
		lc.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
		if (ioctl(fd, LOOP_CONFIGURE, &lc) == 0) {
			close(ctl);
			return fd;
		}
		close(fd); /* taken by a concurrent session: try the next */
	}
	kim_log("workspace", "no free loop device: %s", strerror(errno));
	close(ctl);
	return -1;
}

int
ws_mount_image(const char *image, const char *dst)
{
	static const char *const types[] = { "erofs", "squashfs" };
	char dev[64];
	int imgfd = open(image, O_RDONLY | O_CLOEXEC), loopfd, rc = -1;

	if (imgfd < 0) {
		kim_log("workspace", "%s: %s", image, strerror(errno));
		return -1;
	}
	loopfd = attach(imgfd, dev, sizeof dev);
	close(imgfd);
	if (loopfd < 0)
		return -1;
	for (size_t i = 0; i < sizeof types / sizeof types[0] && rc != 0; i++)
		rc = mount(
		    dev, dst, types[i], MS_RDONLY | MS_NODEV | MS_NOSUID, NULL);
	if (rc != 0)
		kim_log("workspace",
		    "mount %s: not an erofs or squashfs image: %s", image,
		    strerror(errno));
	close(loopfd); /* autoclear: the device goes with the last mount */
	return rc;
}
