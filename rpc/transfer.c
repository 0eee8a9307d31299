/* transfer.c -- see transfer.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "errors.h"
#include "kimberley.h"
#include "transfer.h"

/* the partial files' names: this, then mkostemp's six characters */
#define PART_PREFIX ".partial-"

uint64_t
kim_chunk_count(uint64_t size)
{
	return size / KIM_CHUNK + (size % KIM_CHUNK != 0);
}

size_t
kim_chunk_len(uint64_t size, uint64_t offset)
{
	if (offset >= size)
		return 0;
	return size - offset < KIM_CHUNK ? (size_t)(size - offset) : KIM_CHUNK;
}

/* ---- receiving ---------------------------------------------------------- */

void
kim_sink_init(struct kim_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

int
kim_sink_begun(const struct kim_sink *s)
{
	return kim_sink_active(s) || s->error || s->done || s->complete;
}

int
kim_sink_finished(const struct kim_sink *s)
{
	return s->done || s->complete;
}

uint64_t
kim_sink_size(const struct kim_sink *s)
{
	return s->size;
}

uint64_t
kim_sink_got(const struct kim_sink *s)
{
	return s->got;
}

const char *
kim_sink_part_name(const struct kim_sink *s)
{
	const char *slash = s->part_path ? strrchr(s->part_path, '/') : NULL;

	return slash ? slash + 1 : s->part_path;
}

int
kim_sink_is_part_name(const char *name)
{
	size_t n = strlen(PART_PREFIX);

	if (strncmp(name, PART_PREFIX, n) != 0 || strlen(name) != n + 6)
		return 0;
	for (name += n; *name; name++)
		if (!((*name >= 'a' && *name <= 'z') ||
			(*name >= 'A' && *name <= 'Z') ||
			(*name >= '0' && *name <= '9')))
			return 0;
	return 1;
}

ssize_t
kim_sink_peek(const struct kim_sink *s, void *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (s->part_path == NULL ||
	    (fd = open(s->part_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (len > s->got)
		len = (size_t)s->got;
	n = pread(fd, buf, len, 0);
	close(fd);
	return n;
}

int
kim_sink_active(const struct kim_sink *s)
{
	return s->fd >= 0;
}

static void
sink_release(struct kim_sink *s, int keep)
{
	if (s->fd >= 0)
		close(s->fd);
	if (!keep && s->part_path)
		unlink(s->part_path);
	free(s->part_path);
	free(s->final_path);
	EVP_MD_CTX_free(s->md);
	int error = s->error, done = s->done, verify = s->verify;
	kim_sink_init(s);
	s->error = error;
	s->done = done;
	s->verify = verify;
}

void
kim_sink_abort(struct kim_sink *s)
{
	sink_release(s, 0);
	kim_sink_init(s);
}

static int
sink_fail(struct kim_sink *s, int code)
{
	if (s->error == 0)
		s->error = code;
	if (s->fd >= 0 || s->complete)
		sink_release(s, 0);
	return s->error;
}

int
kim_sink_open(struct kim_sink *s, const char *dir, const char *name,
    uint64_t size, int verify)
{
	kim_sink_abort(s);
	if (asprintf(&s->final_path, "%s/%s", dir, name) < 0 ||
	    asprintf(&s->part_path, "%s/" PART_PREFIX "XXXXXX", dir) < 0) {
		s->part_path = NULL;
		return sink_fail(s, KIM_E_INTERNAL);
	}
	s->fd = mkostemp(s->part_path, O_CLOEXEC);
	if (s->fd < 0) {
		free(s->part_path);
		s->part_path = NULL;
		return sink_fail(s, KIM_E_IO);
	}
	s->md = EVP_MD_CTX_new();
	if (s->md == NULL || !EVP_DigestInit_ex(s->md, EVP_sha256(), NULL))
		return sink_fail(s, KIM_E_INTERNAL);
	s->size = size;
	s->verify = verify;
	if (size == 0)
		return kim_sink_write(s, NULL, 0);
	return 0;
}

/* Every byte arrived: into place now, or (verify) when the checksum comes. */
static int
sink_complete(struct kim_sink *s)
{
	if (!EVP_DigestFinal_ex(s->md, s->have, NULL))
		return sink_fail(s, KIM_E_INTERNAL);
	close(s->fd);
	s->fd = -1;
	s->complete = 1;
	if (s->verify)
		return 0;
	/* the seed's send_file has no checksum: into place now; kim_sink_end
	 * later finds it done */
	if (rename(s->part_path, s->final_path) != 0)
		return sink_fail(s, KIM_E_IO);
	s->done = 1;
	sink_release(s, 1);
	return 0;
}

int
kim_sink_write(struct kim_sink *s, const void *buf, size_t len)
{
	const char *p = buf;

	if (s->error)
		return s->error;
	if (s->fd < 0)
		return s->done || s->complete
		    ? sink_fail(s, KIM_E_TOO_MANY_BYTES)
		    : KIM_E_NO_TRANSFER;
	if (len > KIM_CHUNK)
		return sink_fail(s, KIM_E_CHUNK_TOO_BIG);
	if (len > s->size - s->got)
		return sink_fail(s, KIM_E_TOO_MANY_BYTES);
	EVP_DigestUpdate(s->md, buf, len);
	while (len > 0) {
		ssize_t n = write(s->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sink_fail(s, KIM_E_IO);
		p += n;
		len -= (size_t)n;
		s->got += (uint64_t)n;
	}
	if (s->got == s->size)
		return sink_complete(s);
	return 0;
}

int
kim_sink_end(struct kim_sink *s, const unsigned char *sha)
{
	int rc;

	if (s->error)
		rc = s->error;
	else if (s->done)
		rc = 0; /* in place already: no checksum was awaited */
	else if (s->fd >= 0)
		rc = KIM_E_TRUNCATED;
	else if (!s->complete)
		rc = KIM_E_NO_TRANSFER;
	else if (s->verify &&
	    (sha == NULL || memcmp(s->have, sha, KIM_SHA256_BYTES)))
		rc = KIM_E_CHECKSUM;
	else if (rename(s->part_path, s->final_path) != 0)
		rc = KIM_E_IO;
	else
		rc = 0, s->done = 1;
	sink_release(s, rc == 0);
	kim_sink_init(s);
	return rc;
}

/* ---- sending ------------------------------------------------------------ */

int
kim_source_open(struct kim_source *src, const char *path, unsigned char *sha)
{
	struct stat st;

	src->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0)
		return -1;
	if (fstat(src->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (sha && kim_sha256_file(path, sha) != 0)) {
		kim_source_close(
		    src); /* a directory or device: not a file to send */
		return -1;
	}
	src->size = (uint64_t)st.st_size;
	src->off = 0;
	return 0;
}

int
kim_source_fdopen(struct kim_source *src, int fd, unsigned char *sha)
{
	struct stat st;

	src->fd = fd;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (sha && kim_sha256_fd(fd, sha) != 0)) {
		kim_source_close(src);
		return -1;
	}
	src->size = (uint64_t)st.st_size;
	src->off = 0;
	return 0;
}

ssize_t
kim_source_next(struct kim_source *src, void *buf)
{
	size_t want = kim_chunk_len(src->size, src->off), got = 0;

	while (got < want) {
		ssize_t n = pread(src->fd, (char *)buf + got, want - got,
		    (off_t)(src->off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) { /* the file shrank under us */
			errno = EIO;
			return -1;
		}
		got += (size_t)n;
	}
	src->off += got;
	return (ssize_t)got;
}

void
kim_source_close(struct kim_source *src)
{
	if (src->fd >= 0)
		close(src->fd);
	src->fd = -1;
}

/* ---- client loops ------------------------------------------------------- */

int
kim_client_send(CLIENT *c, const char *path, const char *name,
    kim_progress_fn progress, void *arg)
{
	static const struct timeval batch = { 0, 0 }; /* no reply: batched */
	file_end fe = { { 0 } };
	struct kim_source src;
	EVP_MD_CTX *md;
	file_arg fa;
	data piece;
	int status = 0, rc = 0;
	char *buf;

	if (kim_source_open(&src, path, NULL) != 0)
		return KIM_E_LOCAL_IO;
	memset(&fa, 0, sizeof(fa));
	fa.name.name_val = (char *)name;
	fa.name.name_len = (u_int)strlen(name);
	fa.size = src.size;
	if (send_file64_1(fa, &status, c) != RPC_SUCCESS || status != 0) {
		kim_source_close(&src);
		return status ? status : KIM_E_LINK;
	}
	buf = malloc(KIM_CHUNK);
	md = EVP_MD_CTX_new();
	if (buf == NULL || md == NULL ||
	    !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		rc = KIM_E_LOCAL_IO;
	if (progress)
		progress(arg, 0, src.size);
	/* read once: hash what goes out */
	while (rc == 0 && src.off < src.size) {
		ssize_t n = kim_source_next(&src, buf);
		if (n <= 0) {
			rc = KIM_E_LOCAL_IO;
			break;
		}
		EVP_DigestUpdate(md, buf, (size_t)n);
		piece.data_val = buf;
		piece.data_len = (u_int)n;
		enum clnt_stat st =
		    clnt_call(c, SEND_FILE_BATCH, (xdrproc_t)xdr_data,
			(caddr_t)&piece, (xdrproc_t)NULL, NULL, batch);
		if (st != RPC_SUCCESS && st != RPC_TIMEDOUT) {
			rc = KIM_E_LINK;
			break;
		}
		if (progress)
			progress(arg, src.off, src.size);
	}
	if (rc == 0 &&
	    !EVP_DigestFinal_ex(md, (unsigned char *)fe.sha256, NULL))
		rc = KIM_E_LOCAL_IO;
	EVP_MD_CTX_free(md);
	free(buf);
	kim_source_close(&src);
	/* One replying call flushes the batch and returns the verdict; it is
	 * also what tells the display to drop a transfer we gave up on (the
	 * all-zero hash then never matches). */
	if (send_file_end_1(fe, &status, c) != RPC_SUCCESS)
		return KIM_E_LINK;
	return rc ? rc : status;
}

int
kim_client_retrieve(CLIENT *c, const char *name, const char *dir,
    const char *local_name, unsigned char sha_out[KIM_SHA256_BYTES],
    kim_progress_fn progress, void *arg)
{
	struct kim_sink sink;
	file_res fr;
	int rc;

	memset(&fr, 0, sizeof(fr));
	if (retrieve_file64_1((char *)name, &fr, c) != RPC_SUCCESS)
		return KIM_E_LINK;
	if (fr.status != 0)
		return fr.status;
	memcpy(sha_out, fr.sha256, KIM_SHA256_BYTES);
	kim_sink_init(&sink);
	if ((rc = kim_sink_open(&sink, dir, local_name, fr.size, 1)) != 0)
		return rc == KIM_E_IO ? KIM_E_LOCAL_IO : rc;
	if (progress)
		progress(arg, 0, fr.size);
	uint64_t got = 0;
	while (kim_sink_active(&sink)) {
		data piece;
		memset(&piece, 0, sizeof(piece));
		if (retrieve_partial_1(&piece, c) != RPC_SUCCESS) {
			kim_sink_abort(&sink);
			return KIM_E_LINK;
		}
		if (piece.data_len == 0) { /* the display has no more */
			xdr_free((xdrproc_t)xdr_data, (char *)&piece);
			break;
		}
		rc = kim_sink_write(&sink, piece.data_val, piece.data_len);
		got += piece.data_len;
		xdr_free((xdrproc_t)xdr_data, (char *)&piece);
		if (rc != 0)
			break;
		if (progress) /* the sink forgets its size once complete */
			progress(arg, got, fr.size);
	}
	rc = kim_sink_end(&sink, (unsigned char *)fr.sha256);
	return rc == KIM_E_IO ? KIM_E_LOCAL_IO : rc;
}
