/* priv.c -- the child's side of the privilege boundary (priv.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "priv.h"

static int
gone(struct priv_rep *r)
{
	memset(r, 0, sizeof(*r));
	r->rc = KIM_E_INTERNAL;
	snprintf(
	    r->why, sizeof(r->why), "the display's privileged part is gone");
	return -1;
}

int
priv_call(struct priv *pv, struct priv_req *q, struct priv_rep *r, int *fd_out)
{
	return priv_call_fd(pv, q, -1, r, fd_out);
}

int
priv_call_fd(struct priv *pv, struct priv_req *q, int fd_in, struct priv_rep *r,
    int *fd_out)
{
	int fd = -1, rc = 0, cut;
	ssize_t n;

	*fd_out = -1;
	if (pv == NULL)
		return gone(r);
	if (pv->sock < 0) {
		if (pv->local == NULL)
			return gone(r);
		pthread_mutex_lock(&pv->lock);
		pv->local->fd_in = fd_in;
		parent_handle(pv->local, q, r, fd_out);
		pv->local->fd_in = -1;
		pthread_mutex_unlock(&pv->lock);
		return 0;
	}
	pthread_mutex_lock(&pv->lock);
	n = priv_send(pv->sock, q, sizeof(*q), fd_in);
	if (n != (ssize_t)sizeof(*q)) {
		pthread_mutex_unlock(&pv->lock);
		kim_log("priv", "the parent is gone: %s", strerror(errno));
		return gone(r);
	}
	do
		n = priv_recv(pv->sock, r, sizeof(*r), &fd, &cut);
	while (n < 0 && errno == EINTR);
	pthread_mutex_unlock(&pv->lock);
	if (n != (ssize_t)sizeof(*r) || cut) {
		if (fd >= 0)
			close(fd);
		return gone(r);
	}
	r->why[sizeof(r->why) - 1] = '\0';
	r->password[sizeof(r->password) - 1] = '\0';
	r->delta_name[sizeof(r->delta_name) - 1] = '\0';
	r->delta_sha[sizeof(r->delta_sha) - 1] = '\0';
	*fd_out = fd;
	return rc;
}

ssize_t
priv_send(int sock, const void *msg, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { (void *)msg, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		m.msg_control = cm.buf;
		m.msg_controllen = sizeof(cm.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while ((n = sendmsg(sock, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n;
}

ssize_t
priv_recv(int sock, void *msg, size_t len, int *fd, int *cut)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { msg, len };
	struct msghdr m = { .msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cm.buf,
		.msg_controllen = sizeof(cm.buf) };
	ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);

	*fd = -1;
	*cut = n > 0 && (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC));
	for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL; c;
	     c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}
