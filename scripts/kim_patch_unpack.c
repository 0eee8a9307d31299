/*
 * kim_patch_unpack -- `kim_patch check`, `unpack`, `stream` and `overlay`
 * (scripts/kim_patch execs it; docs/contract.md section 3, docs/vm.md).
 *
 *   kim_patch_unpack check [--kind K] [--base ID] [--qemu-version V]
 *                          [--machine M] [--key KEYFILE] [--deep] PATCH
 *   kim_patch_unpack unpack [--key KEYFILE] [--tree vm|workspace] PATCH DIR
 *   kim_patch_unpack stream --kind K --base ID --qemu-version V --machine M
 *                           --size N [--idle SECONDS] --disk OUT1
 *                           --blocks OUT2 --mem OUT3 PATCH
 *   kim_patch_unpack overlay BASE_DISK OVERLAY
 *
 * Same command lines, checks, order of checks, messages and exit codes as
 * the shell version it replaces (ERROR <CODE> <message> on stdout and
 * "kim_patch: <message>" on stderr, exit 1; usage errors exit 2), without
 * its ~40 processes: the header is parsed here, the payload is hashed here
 * (libcrypto), decrypted here (openssl enc's format: "Salted__", PBKDF2-SHA256
 * 10000 rounds, AES-256-CBC) and decompressed here (libzstd / liblzma);
 * only the extraction is GNU tar's, with the same options as before.
 *
 * The payload's sha256 is checked in a first pass over the file, before a
 * byte of it is decrypted, decompressed or extracted; a second pass decodes
 * it into tar.  If decoding or tar fails, what tar extracted is removed
 * (DIR is left empty) and the patch is refused.
 *
 * A format 2 patch (docs/vm.md, "Patch format 2") has no tar: its payload
 * is disk.k4.zst, mem.blocks and mem.zst concatenated ("layout: parts",
 * "compression: none", their sizes in disk-part-size, mem-blocks-size and
 * mem-delta-size, adding up to the decrypted payload's), and the second
 * pass decrypts it if need be and splits it into those three files in DIR
 * (O_EXCL, O_NOFOLLOW, 0600); on any failure DIR is left empty.  Format 1
 * is a compressed tar, never "compression: none".
 *
 * `stream` reads a format 2 patch (not encrypted) while it is still
 * arriving: PATCH is a regular file that grows to N bytes (a read at its
 * end is tried again every 5 ms; --idle seconds without a byte and it is
 * refused).  The header is checked as `check` does, and "HEADER ok"
 * printed; then every payload byte goes into a SHA-256 and on to its part's
 * output, OUT1..OUT3, FIFOs the caller made: each opened (no O_CREAT) when
 * its part begins and closed when it ends, so its reader sees its end.  A
 * write error (the reader died: EPIPE) is refused naming the part.  At the
 * end the SHA-256 must be payload-sha256: then "PAYLOAD ok" and exit 0,
 * the only outcome after which the caller may use what it read.  One fixed
 * buffer: memory does not grow with the patch.
 *
 * --tree then checks what was extracted against what a payload of that kind
 * may contain (docs/vm.md, docs/workspace.md) and refuses anything else with
 * PATCH_UNSAFE, DIR emptied: a VM payload is regular files only; a workspace
 * layer is directories, regular files without set-uid/set-gid, whiteouts
 * (char 0:0), hard links among its own files and relative symlinks that
 * stay inside it.
 *
 * `overlay` checks a VM patch's disk overlay before any QEMU tool opens it
 * (its qcow2 header: no external data file, no encryption, backing file
 * "disk.img" of format raw as kimberlize writes it, no unknown feature or
 * extension), points it at BASE_DISK (qemu-img rebase -u) and checks the
 * chain qemu-img then reports: this qcow2 over BASE_DISK (raw), nothing
 * else.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lzma.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>
#include <json-c/json.h>

#include "rpc/kimberley.h"
#include "scripts/be.h"

#define PROG "kim_patch"
#include "scripts/die.h"
#define MAGIC "KIMBERLEY-PATCH 1"
#define HDR_MAX \
	KIM_PATCH_HDR_MAX /* the header fits in the first 64 KiB (rpc/kimberley.x) */
#define CHUNK (256 * 1024) /* read size for both passes */
#define PASS_MAX 1024	   /* openssl's -pass file: reads one line < 1024 */
#define PBKDF2_ITER 10000  /* openssl enc -pbkdf2 default */

extern char **environ;

struct patch {
	const char *path;
	int fd;
	off_t size;		    /* whole file */
	size_t hl;		    /* header length including the blank line */
	int version;		    /* of the format: 1 or 2 */
	unsigned long long part[3]; /* format 2: the parts' sizes */
	char hdr[HDR_MAX + 1];	    /* header lines, NUL at hl - 1 */
};

/* a format 2 payload: these three parts concatenated, in this order, their
 * sizes in the header (docs/vm.md, "Patch format 2") */
static const char *const part_file[3] = { "disk.k4.zst", "mem.blocks",
	"mem.zst" };
static const char *const part_key[3] = { "disk-part-size", "mem-blocks-size",
	"mem-delta-size" };
static const char *const part_name[3] = { "disk part", "memory block list",
	"memory part" };

/* the contract's status line on stdout, the message on stderr, exit 1 */
static void
fail(const char *code, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	printf("ERROR %s %s\n", code, msg);
	fflush(stdout);
	fprintf(stderr, PROG ": %s\n", msg);
	exit(1);
}

/* value of the first header line "KEY: value" ("" if none), in a static
 * buffer per slot so that a message can use several */
static const char *
hget(const struct patch *p, const char *key)
{
	static char val[4][HDR_MAX];
	static int slot;
	size_t kl = strlen(key);
	const char *l = p->hdr, *end = p->hdr + p->hl - 1;
	char *v = val[slot++ % 4];

	v[0] = '\0';
	while (l < end) {
		const char *nl = memchr(l, '\n', end - l);
		size_t n = nl ? (size_t)(nl - l) : (size_t)(end - l);
		if (n >= kl + 2 && memcmp(l, key, kl) == 0 && l[kl] == ':' &&
		    l[kl + 1] == ' ') {
			size_t vl = n - kl - 2;
			memcpy(v, l + kl + 2, vl);
			v[vl] = '\0';
			return v;
		}
		l += n + 1;
	}
	return v;
}

/* the first N characters (UTF-8 aware, as bash's ${v:0:N}) */
static const char *
prefix(const char *s, int n, char *buf, size_t bufsz)
{
	size_t i = 0;
	int chars = 0;
	for (; s[i] && i + 1 < bufsz; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == n)
			break;
	}
	memcpy(buf, s, i);
	buf[i] = '\0';
	return buf;
}

static ssize_t
read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

static int
write_full(int fd, const void *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf = (const char *)buf + w;
		n -= w;
	}
	return 0;
}

/* sha256 of the payload as stored, lowercase hex; -1 on a read error */
static int
payload_sha256(const struct patch *p, char hex[65])
{
	static unsigned char buf[CHUNK];
	unsigned char md[32];
	unsigned int mdl = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	ssize_t r;
	int ok;

	if (!c || lseek(p->fd, p->hl, SEEK_SET) < 0 ||
	    !EVP_DigestInit_ex(c, EVP_sha256(), NULL))
		return -1;
	while ((r = read_full(p->fd, buf, sizeof buf)) > 0)
		EVP_DigestUpdate(c, buf, r);
	ok = r == 0 && EVP_DigestFinal_ex(c, md, &mdl) && mdl == 32;
	EVP_MD_CTX_free(c);
	for (int i = 0; ok && i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	return ok ? 0 : -1;
}

/* offset of the first empty line from line 2 on (it ends the header) in
 * the first N bytes, or N; looked for from offset FROM (>= 1) */
static size_t
blank_line(const char *h, size_t n, size_t from)
{
	size_t j;
	for (j = from; j < n; j++)
		if (h[j] == '\n' && h[j - 1] == '\n')
			break;
	return j < n ? j : n;
}

/* The header in the first N bytes of p->hdr: its end, first line and
 * required keys. */
static void
parse_header(struct patch *p, size_t n)
{
	static const char *need[] = { "kind", "base", "compression",
		"encryption", "payload-size", "payload-sha256" };
	size_t j = blank_line(p->hdr, n, 1);
	const char *nl;

	if (j >= n)
		fail("PATCH_CORRUPT",
		    "patch '%s' has no Kimberley header (no blank line within %d bytes)",
		    p->path, HDR_MAX);
	p->hl = j + 1;
	p->hdr[j] = '\0';
	nl = memchr(p->hdr, '\n', j);
	/* "KIMBERLEY-PATCH 1" or "... 2" (a VM patch in format 2: docs/vm.md);
	 * a later version is refused naming it */
	if (!nl || (size_t)(nl - p->hdr) != strlen(MAGIC) ||
	    memcmp(p->hdr, MAGIC, strlen(MAGIC) - 1) != 0)
		fail("PATCH_CORRUPT",
		    "'%s' is not a Kimberley patch (first line is not '%s')",
		    p->path, MAGIC);
	if (p->hdr[strlen(MAGIC) - 1] != '1' &&
	    p->hdr[strlen(MAGIC) - 1] != '2')
		fail("PATCH_CORRUPT",
		    "'%s' is a Kimberley patch of format version %c; this display reads versions 1 and 2",
		    p->path, p->hdr[strlen(MAGIC) - 1]);
	p->version = p->hdr[strlen(MAGIC) - 1] - '0';
	for (size_t i = 0; i < sizeof need / sizeof *need; i++)
		if (!*hget(p, need[i]))
			fail("PATCH_CORRUPT", "patch header lacks '%s'",
			    need[i]);
}

/* payload-size against the file's size (p->size) */
static void
check_payload_size(const struct patch *p)
{
	const char *v = hget(p, "payload-size");
	long long have = (long long)p->size - (long long)p->hl, want;
	char *end;

	if (strspn(v, "0123456789") != strlen(v))
		fail("PATCH_CORRUPT", "payload-size '%s' is not a number", v);
	errno = 0;
	want = strtoll(v, &end, 10);
	if (errno || want != have)
		fail("PATCH_CORRUPT",
		    "payload is %lld bytes, header says %s (truncated or padded)",
		    have, v);
}

static int
encrypted(const struct patch *p)
{
	return strcmp(hget(p, "encryption"), "none") != 0;
}

/* compression and encryption known; format 1 a compressed tar, format 2
 * its three parts (layout: parts, compression: none) whose sizes add up to
 * the payload's (encrypted: as openssl enc stores them, "Salted__", the
 * salt, then AES-CBC with 1-16 bytes of padding) */
static void
check_coding(struct patch *p)
{
	const char *comp = hget(p, "compression"), *v;
	unsigned long long sum = 0, want;

	if (strcmp(comp, "zstd") && strcmp(comp, "xz") && strcmp(comp, "none"))
		fail("PATCH_CORRUPT", "unknown compression");
	v = hget(p, "encryption");
	if (strcmp(v, "none") && strcmp(v, "aes-256-cbc-pbkdf2"))
		fail("PATCH_CORRUPT", "unknown encryption");
	if (p->version == 1) {
		if (!strcmp(comp, "none"))
			fail("PATCH_CORRUPT",
			    "a format 1 patch's payload is a compressed tar, not 'compression: none'");
		return;
	}
	if (strcmp(hget(p, "layout"), "parts"))
		fail("PATCH_CORRUPT",
		    "a format 2 patch must say 'layout: parts' (its payload is its three parts, not a tar)");
	if (strcmp(comp, "none"))
		fail("PATCH_CORRUPT",
		    "a format 2 patch must say 'compression: none' (its parts are compressed already)");
	for (int i = 0; i < 3; i++) {
		v = hget(p, part_key[i]);
		if (!*v)
			fail("PATCH_CORRUPT", "patch header lacks '%s'",
			    part_key[i]);
		/* at most 18 digits: the sum cannot overflow */
		if (strspn(v, "0123456789") != strlen(v) || strlen(v) > 18)
			fail("PATCH_CORRUPT", "%s '%s' is not a number",
			    part_key[i], v);
		p->part[i] = strtoull(v, NULL, 10);
		sum += p->part[i];
	}
	want = encrypted(p) ? 16 + (sum / 16 + 1) * 16 : sum;
	if (want != (unsigned long long)p->size - p->hl)
		fail("PATCH_CORRUPT",
		    "the parts' sizes in the header (%llu + %llu + %llu bytes%s) do not add up to the payload's %llu bytes",
		    p->part[0], p->part[1], p->part[2],
		    encrypted(p) ? ", encrypted" : "",
		    (unsigned long long)p->size - p->hl);
}

/* The header, payload size and payload hash (the old shell `verify`). */
static void
verify(struct patch *p)
{
	struct stat st;
	ssize_t n;
	char hex[65];

	if (stat(p->path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    access(p->path, R_OK) < 0 ||
	    (p->fd = open(p->path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(p->fd, &st) < 0)
		fail("PATCH_CORRUPT", "cannot read patch file '%s'", p->path);
	p->size = st.st_size;
	n = read_full(p->fd, p->hdr, HDR_MAX);
	if (n < 0)
		fail("PATCH_CORRUPT", "cannot read patch file '%s'", p->path);
	parse_header(p, n);
	check_payload_size(p);
	if (payload_sha256(p, hex) < 0 ||
	    strcmp(hex, hget(p, "payload-sha256")) != 0)
		fail("PATCH_CORRUPT",
		    "payload sha256 mismatch (file damaged in transit?)");
	check_coding(p);
}

static void
need_key(const struct patch *p, const char *key)
{
	if (!encrypted(p))
		return;
	if (!key || !*key)
		fail("PATCH_KEY",
		    "the patch is encrypted and no key file was given");
	if (access(key, R_OK) < 0)
		fail("PATCH_KEY", "cannot read key file '%s'", key);
}

/* ---- a format 2 payload into its three parts --------------------------- */

struct parts {
	unsigned long long size[3];
	unsigned long long done; /* bytes of part idx delivered */
	int idx;		/* the part being delivered, 3 after the last */
	int open;		/* part idx has begun */
	int fd;			/* its output, -1 if none (or not open) */
	int dirfd;		/* unpack: the parts become files in it */
	const char *const *out; /* stream: paths the caller made (FIFOs) */
	int err;		/* errno of the failed open, write or close */
	int extra;		/* more bytes than the parts hold */
};

static void
parts_init(struct parts *s, const struct patch *p)
{
	memset(s, 0, sizeof *s);
	memcpy(s->size, p->part, sizeof s->size);
	s->fd = s->dirfd = -1;
}

/* part idx begins: its output is opened (check --deep: none) */
static int
part_begin(struct parts *s)
{
	s->open = 1;
	if (s->out)
		s->fd = open(s->out[s->idx], O_WRONLY | O_CLOEXEC);
	else if (s->dirfd >= 0)
		s->fd = openat(s->dirfd, part_file[s->idx],
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	else
		return 0;
	if (s->fd < 0) {
		s->err = errno;
		return -1;
	}
	return 0;
}

/* part idx ends: its output is closed (its reader sees the end) */
static int
part_end(struct parts *s)
{
	int rc = 0;
	if (s->fd >= 0 && close(s->fd) < 0) {
		s->err = errno;
		rc = -1;
	}
	s->fd = -1;
	s->open = 0;
	s->done = 0;
	s->idx++;
	return rc;
}

/* the next N bytes of the payload, to the parts in order */
static int
parts_put(struct parts *s, const void *buf, size_t n)
{
	const char *b = buf;

	while (n > 0) {
		if (s->idx == 3) {
			s->extra = 1;
			return -1;
		}
		if (!s->open && part_begin(s) < 0)
			return -1;
		unsigned long long left = s->size[s->idx] - s->done;
		size_t k = n < left ? n : (size_t)left;
		if (k && s->fd >= 0 && write_full(s->fd, b, k) < 0) {
			s->err = errno;
			return -1;
		}
		s->done += k;
		b += k;
		n -= k;
		if (s->done == s->size[s->idx] && part_end(s) < 0)
			return -1;
	}
	return 0;
}

/* the payload ended: what is left must be parts of size 0 (opened and
 * closed, so that their readers see them begin and end) */
static int
parts_end(struct parts *s)
{
	while (s->idx < 3) {
		if (s->done != s->size[s->idx])
			return -1; /* a part cut short */
		if ((!s->open && part_begin(s) < 0) || part_end(s) < 0)
			return -1;
	}
	return 0;
}

/* ---- decoding: payload -> [aes-256-cbc] -> zstd | xz | parts -> out ---- */

struct decoder {
	int xz;
	ZSTD_DCtx *z;
	lzma_stream l;
	int zdone; /* zstd: last frame complete */
	int out;
	struct parts *parts; /* format 2: no compression, split into these */
};

/* decompress IN (or finish when in == NULL); write what comes out */
static int
decompress(struct decoder *d, const void *in, size_t n)
{
	static unsigned char obuf[CHUNK];

	if (d->parts)
		return in ? parts_put(d->parts, in, n) : parts_end(d->parts);
	if (d->xz) {
		lzma_action act = in ? LZMA_RUN : LZMA_FINISH;
		lzma_ret r;
		d->l.next_in = in;
		d->l.avail_in = n;
		do {
			d->l.next_out = obuf;
			d->l.avail_out = sizeof obuf;
			r = lzma_code(&d->l, act);
			if (r != LZMA_OK && r != LZMA_STREAM_END)
				return -1;
			if (write_full(
				d->out, obuf, sizeof obuf - d->l.avail_out) < 0)
				return -1;
			if (r == LZMA_STREAM_END)
				return in ? -1 : 0; /* data after the end */
		} while (d->l.avail_in > 0 || d->l.avail_out == 0 || !in);
		return 0;
	}
	if (!in)
		return d->zdone ? 0
				: -1; /* truncated frame, or no frame at all */
	ZSTD_inBuffer ib = { in, n, 0 };
	for (;;) {
		ZSTD_outBuffer ob = { obuf, sizeof obuf, 0 };
		size_t before = ib.pos,
		       r = ZSTD_decompressStream(d->z, &ob, &ib);
		if (ZSTD_isError(r))
			return -1;
		if (ib.pos != before || ob.pos > 0)
			d->zdone = r == 0; /* 0: a frame ended and is flushed */
		if (write_full(d->out, obuf, ob.pos) < 0)
			return -1;
		if (ib.pos == ib.size && ob.pos < ob.size)
			return 0; /* input used, output flushed */
	}
}

/* openssl enc -pass file:KEY: the key file's first line (without '\n') */
static int
read_pass(const char *key, char *pass)
{
	int fd = open(key, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	if (fd < 0)
		return -1;
	n = read_full(fd, pass, PASS_MAX - 1);
	close(fd);
	if (n <= 0)
		return -1;
	pass[n] = '\0';
	pass[strcspn(pass, "\n")] = '\0';
	return 0;
}

/* decode the payload into fd OUT, or (format 2) into PARTS; 0 when every
 * stage succeeded */
static int
decode(const struct patch *p, const char *key, int out, struct parts *parts)
{
	static unsigned char buf[CHUNK], plain[CHUNK + EVP_MAX_BLOCK_LENGTH];
	struct decoder d = { .xz = strcmp(hget(p, "compression"), "xz") == 0,
		.l = LZMA_STREAM_INIT,
		.out = out,
		.parts = parts };
	EVP_CIPHER_CTX *c = NULL;
	ssize_t r;
	int pl, rc = -1;

	if (parts)
		;
	else if (d.xz ? lzma_auto_decoder(
			    &d.l, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK
		      : !(d.z = ZSTD_createDCtx()))
		goto out;
	if (lseek(p->fd, p->hl, SEEK_SET) < 0)
		goto out;
	if (encrypted(p)) {
		char pass[PASS_MAX];
		unsigned char head[16], kiv[48];
		if (read_pass(key, pass) < 0 ||
		    read_full(p->fd, head, 16) != 16 ||
		    memcmp(head, "Salted__", 8) != 0 ||
		    !PKCS5_PBKDF2_HMAC(pass, strlen(pass), head + 8, 8,
			PBKDF2_ITER, EVP_sha256(), 48, kiv) ||
		    !(c = EVP_CIPHER_CTX_new()) ||
		    !EVP_DecryptInit_ex(
			c, EVP_aes_256_cbc(), NULL, kiv, kiv + 32))
			goto out;
	}
	while ((r = read_full(p->fd, buf, sizeof buf)) > 0) {
		if (!c) {
			if (decompress(&d, buf, r) < 0)
				goto out;
		} else if (!EVP_DecryptUpdate(c, plain, &pl, buf, r) ||
		    decompress(&d, plain, pl) < 0)
			goto out;
	}
	if (r < 0)
		goto out;
	if (c &&
	    (!EVP_DecryptFinal_ex(c, plain, &pl) ||
		decompress(&d, plain, pl) < 0))
		goto out;
	rc = decompress(&d, NULL, 0);
out:
	EVP_CIPHER_CTX_free(c);
	ZSTD_freeDCtx(d.z);
	lzma_end(&d.l);
	return rc;
}

/* decode into `tar ARGV` (stdin a pipe, stderr /dev/null; stdout too if
 * QUIET); 0 when decoding and tar both succeeded */
static int
decode_into_tar(
    const struct patch *p, const char *key, char *const argv[], int quiet)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, pipe_;
	int fds[2], st, rc;
	pid_t pid;

	fflush(stdout);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	/* room for 1 MiB: the decoder runs ahead of tar instead of taking turns
	 * with it every 64 KiB (2-3 ms less on a 2 MiB layer); best effort */
	fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	sigemptyset(&none);
	sigemptyset(&pipe_);
	sigaddset(&pipe_, SIGPIPE);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(
	    &at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &pipe_);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (quiet)
		posix_spawn_file_actions_addopen(
		    &fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(fds[0]);
	if (rc != 0) {
		close(fds[1]);
		return -1;
	}
	rc = decode(p, key, fds[1], NULL);
	close(fds[1]); /* tar sees the end (also after a failure) */
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* decode a format 2 payload into its parts: files in DIR (unpack), or
 * nowhere (check --deep); 0 when all went well, else -1 and errno (0: the
 * payload did not decode into its parts) */
static int
decode_into_parts(const struct patch *p, const char *key, const char *dir)
{
	struct parts s;
	int rc;

	parts_init(&s, p);
	if (dir &&
	    (s.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = decode(p, key, -1, &s);
	if (s.fd >= 0)
		close(s.fd);
	if (s.dirfd >= 0)
		close(s.dirfd);
	errno = s.err;
	return rc;
}

static void
refuse_payload(const struct patch *p)
{
	if (encrypted(p))
		fail("PATCH_KEY",
		    "the patch could not be decrypted: wrong key?");
	fail("PATCH_CORRUPT",
	    p->version == 2
		? "the payload does not decode into its three parts"
		: "the payload does not decompress to a valid archive");
}

/* An option that takes a value: "--name VALUE" into *val. */
struct opt {
	const char *name;
	const char **val;
};

/* The options of argv (those of t, and --deep into *deep when deep is not
 * NULL) up to "--" or the first operand: that operand's index.  An unknown
 * option, or one without its value, ends the run with cmd's usage. */
static int
parse_opts(int argc, char **argv, const struct opt *t, size_t n, int *deep,
    const char *cmd, const char *usage)
{
	int i = 1;

	for (; i < argc; i++) {
		const char *o = argv[i];
		size_t j = 0;
		if (!strcmp(o, "--"))
			return i + 1;
		if (deep && !strcmp(o, "--deep")) {
			*deep = 1;
			continue;
		}
		while (j < n && strcmp(o, t[j].name))
			j++;
		if (j == n && o[0] == '-')
			die("%s: unknown option '%s'", cmd, o);
		if (j == n)
			break;
		if (++i >= argc)
			die("%s", usage);
		*t[j].val = argv[i];
	}
	return i;
}

/* the header's kind, base, qemu-version and machine against this
 * display's ("": not checked) */
static void
check_expected(const struct patch *p, const char *kind, const char *base,
    const char *qv, const char *mach)
{
	const char *v;
	char a[64], b[64];

	v = hget(p, "kind");
	if (*kind && strcmp(v, kind))
		fail("PATCH_WRONG_KIND",
		    "the patch is for a '%s' base, but '%s' here is a '%s' base",
		    v, hget(p, "base-name"), kind);
	v = hget(p, "base");
	if (*base && strcmp(v, base))
		fail("PATCH_WRONG_BASE",
		    "the patch fits base '%s' %s, this display's base is %s",
		    hget(p, "base-name"), prefix(v, 12, a, sizeof a),
		    prefix(base, 12, b, sizeof b));
	v = hget(p, "qemu-version");
	if (*qv && strcmp(v, qv))
		fail("PATCH_WRONG_QEMU",
		    "the patch was made with QEMU %s, this display has QEMU %s",
		    v, qv);
	v = hget(p, "machine");
	if (*mach && strcmp(v, mach))
		fail("PATCH_WRONG_QEMU",
		    "the patch was made for machine type %s, this display uses %s",
		    v, mach);
}

static int
cmd_check(int argc, char **argv)
{
	static const char usage[] =
	    "check: usage: kim_patch check [--kind K] [--base ID] "
	    "[--qemu-version V] [--machine M] [--key F] [--deep] PATCH";
	const char *kind = "", *base = "", *qv = "", *mach = "", *key = "";
	static struct patch p;
	const struct opt t[] = { { "--kind", &kind }, { "--base", &base },
		{ "--qemu-version", &qv }, { "--machine", &mach },
		{ "--key", &key } };
	int deep = 0,
	    i = parse_opts(
		argc, argv, t, sizeof t / sizeof *t, &deep, "check", usage);

	if (argc - i != 1)
		die("%s", usage);
	p.path = argv[i];
	verify(&p);
	check_expected(&p, kind, base, qv, mach);
	need_key(&p, key);
	if (deep && p.version == 2) {
		if (decode_into_parts(&p, key, NULL) < 0)
			refuse_payload(&p);
	} else if (deep) {
		char *tar[] = { "tar", "-tf", "-", NULL };
		if (decode_into_tar(&p, key, tar, 1) < 0)
			refuse_payload(&p);
	}
	return 0;
}

/* mkdir -p; on failure PATH names the component that failed */
static int
mkdirs(const char *dir, char path[4096])
{
	struct stat st;
	size_t n = strlen(dir);

	if (n == 0 || n >= 4096) {
		path[0] = '\0';
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (char *s = path + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(path, 0777) < 0) {
			int e = errno;
			if (e != EEXIST || stat(path, &st) < 0 ||
			    !S_ISDIR(st.st_mode)) {
				errno = e == EEXIST && c ? ENOTDIR : e;
				return -1;
			}
		}
		if (!(*s = c))
			return 0;
	}
}

static int
is_empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;
	if (!d)
		return 1; /* as `ls -A` printing nothing */
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

static int
rm_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	if (f->level > 0 && remove(path) < 0)
		fprintf(stderr, PROG ": cannot remove '%s': %s\n", path,
		    strerror(errno));
	return 0;
}

/* ---- what an unpacked payload may contain (--tree) --------------------- */

#define LINKS_MAX 100000 /* hard-linked inodes tracked in one layer */

static struct tree_walk {
	int workspace; /* else a VM payload */
	const char *root;
	char rel[4096], what[160]; /* the first refused entry and why */
	struct {
		dev_t dev;
		ino_t ino;
		nlink_t nlink, seen;
	} * links;
	size_t nlinks;
} tw;

/* A relative symlink target stays inside the tree: ".." only as leading
 * components (later ones could follow another link up), no more of them
 * than the link's directory is deep.  DEPTH: components above the link. */
static int
link_stays_inside(const char *t, int depth)
{
	int ups = 0, seen_name = 0;

	if (t[0] == '/' || t[0] == '\0')
		return 0;
	while (*t) {
		size_t n = strcspn(t, "/");
		if (n == 2 && t[0] == '.' && t[1] == '.') {
			if (seen_name || ++ups > depth)
				return 0;
		} else if (n > 0 && !(n == 1 && t[0] == '.'))
			seen_name = 1;
		t += n;
		t += *t == '/';
	}
	return 1;
}

static int
tree_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
	const char *what = NULL;
	char target[4096];
	ssize_t n;

	(void)type;
	if (f->level == 0)
		return 0;
	if (S_ISDIR(st->st_mode)) {
		if (!tw.workspace)
			what = "a directory";
	} else if (S_ISREG(st->st_mode)) {
		if (st->st_mode & (S_ISUID | S_ISGID))
			what = "a set-uid or set-gid file";
		else if (st->st_nlink > 1 && !tw.workspace)
			what = "a hard link";
		else if (st->st_nlink > 1) {
			size_t i;
			for (i = 0; i < tw.nlinks; i++)
				if (tw.links[i].dev == st->st_dev &&
				    tw.links[i].ino == st->st_ino)
					break;
			if (i == tw.nlinks) {
				if (tw.nlinks == LINKS_MAX)
					what = "one hard link too many";
				else if ((tw.links = realloc(tw.links,
					      (i + 1) * sizeof(*tw.links))) ==
				    NULL)
					die("out of memory");
				else {
					tw.links[i].dev = st->st_dev;
					tw.links[i].ino = st->st_ino;
					tw.links[i].nlink = st->st_nlink;
					tw.links[i].seen = 0;
					tw.nlinks++;
				}
			}
			if (!what)
				tw.links[i].seen++;
		}
	} else if (S_ISLNK(st->st_mode)) {
		if (!tw.workspace)
			what = "a symbolic link";
		else if ((n = readlink(path, target, sizeof target - 1)) < 0)
			what = "an unreadable symbolic link";
		else {
			target[n] = '\0';
			if (target[0] == '/')
				what = "an absolute symbolic link";
			else if (!link_stays_inside(target, f->level - 1))
				what = "a symbolic link out of the layer";
		}
	} else if (S_ISCHR(st->st_mode) && tw.workspace &&
	    st->st_rdev == makedev(0, 0)) {
		; /* overlayfs whiteout: a file the patch removed */
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		what = "a device node";
	} else {
		what = "a FIFO or socket";
	}
	if (what == NULL)
		return 0;
	snprintf(tw.rel, sizeof tw.rel, "%s", path + strlen(tw.root) + 1);
	snprintf(tw.what, sizeof tw.what, "%s", what);
	return 1;
}

/* refuse (PATCH_UNSAFE, DIR emptied) what a payload of this kind may not hold */
static void
check_tree(const char *dir, const char *kind)
{
	char safe[256];
	size_t i;
	int rc;

	memset(&tw, 0, sizeof tw);
	tw.workspace = strcmp(kind, "workspace") == 0;
	tw.root = dir;
	rc = nftw(dir, tree_entry, 64, FTW_PHYS);
	for (i = 0; rc == 0 && i < tw.nlinks; i++)
		if (tw.links[i].seen != tw.links[i].nlink) {
			snprintf(tw.rel, sizeof tw.rel, "a file");
			snprintf(tw.what, sizeof tw.what,
			    "hard-linked to a file outside the layer");
			rc = 1;
		}
	free(tw.links);
	if (rc == 0)
		return;
	nftw(dir, rm_entry, 64, FTW_DEPTH | FTW_PHYS);
	if (rc < 0)
		fail("PATCH_CORRUPT", "cannot read the unpacked patch: %s",
		    strerror(errno));
	/* the name is the stranger's: printable ASCII only, bounded */
	for (i = 0; tw.rel[i] && i < sizeof safe - 4; i++)
		safe[i] =
		    tw.rel[i] >= 0x20 && tw.rel[i] < 0x7f ? tw.rel[i] : '?';
	snprintf(safe + i, sizeof safe - i, "%s", tw.rel[i] ? "..." : "");
	fail("PATCH_UNSAFE",
	    "the patch's '%s' is %s, which a %s patch may not contain", safe,
	    tw.what, tw.workspace ? "workspace" : "VM");
}

/* after a failed unpack: is DIR's file system (as good as) full?  Then the
 * display's disk is to blame, not the patch. */
#define DISK_SLACK (1024 * 1024) /* bytes free below which it is full */
static int
disk_full(const char *dir)
{
	struct statvfs v;
	return statvfs(dir, &v) == 0 &&
	    ((unsigned long long)v.f_bavail * v.f_frsize < DISK_SLACK ||
		v.f_favail == 0);
}

static void
refuse_disk_full(const char *dir)
{
	fprintf(stderr, PROG ": unpack: %s is full\n", dir);
	fail("DISPLAY_DISK_FULL",
	    "the display's disk is full: no room to unpack the patch");
}

static int
cmd_unpack(int argc, char **argv)
{
	static const char usage[] =
	    "unpack: usage: kim_patch unpack [--key KEYFILE] "
	    "[--tree vm|workspace] PATCH DIR";
	static struct patch p;
	const char *key = "", *tree = "", *dir;
	const struct opt t[] = { { "--key", &key }, { "--tree", &tree } };
	int i = parse_opts(
	    argc, argv, t, sizeof t / sizeof *t, NULL, "unpack", usage);

	if (argc - i != 2 ||
	    (*tree && strcmp(tree, "vm") && strcmp(tree, "workspace")))
		die("%s", usage);
	p.path = argv[i];
	dir = argv[i + 1];
	verify(&p);
	need_key(&p, key);
	char failed[4096];
	if (mkdirs(dir, failed) < 0) {
		if (errno == ENOSPC || errno == EDQUOT)
			refuse_disk_full(dir);
		fprintf(stderr,
		    PROG ": unpack: cannot create directory '%s': %s\n",
		    *failed ? failed : dir, strerror(errno));
		exit(1);
	}
	if (!is_empty_dir(dir))
		die("unpack: '%s' is not empty", dir);
	char *tar[] = { "tar", "-C", (char *)dir, "--numeric-owner", "--xattrs",
		"--xattrs-include=trusted.overlay.opaque",
		"--xattrs-include=user.overlay.opaque", "--no-overwrite-dir",
		"-xf", "-", NULL };
	if (p.version == 2 ? decode_into_parts(&p, key, dir) < 0
			   : decode_into_tar(&p, key, tar, 0) < 0) {
		int e = p.version == 2 ? errno : 0;
		int full = disk_full(dir) || e == ENOSPC || e == EDQUOT;
		if (e && !full)
			fprintf(stderr,
			    PROG ": unpack: writing into '%s': %s\n", dir,
			    strerror(e));
		/* nothing of a payload that failed may stay */
		nftw(dir, rm_entry, 64, FTW_DEPTH | FTW_PHYS);
		if (full)
			refuse_disk_full(dir);
		refuse_payload(&p);
	}
	if (*tree)
		check_tree(dir, tree);
	return 0;
}

/* ---- stream: a format 2 patch into its parts while it arrives ----------- */

#define STREAM_NAP_NS 5000000L /* 5 ms between looks at a file not grown */

struct growing {
	const char *path;
	int fd;
	unsigned long long pos;	 /* bytes read */
	unsigned long long size; /* the whole file's, when it has all arrived */
	double idle;		 /* seconds without a new byte: it stopped */
};

static double
since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* up to N of the file's next bytes, never past g->size; waits while the
 * file does not grow; 0 only once g->size bytes are read */
static size_t
growing_read(struct growing *g, void *buf, size_t n)
{
	const struct timespec nap = { 0, STREAM_NAP_NS };
	struct timespec t0;
	int waiting = 0;

	if (n > g->size - g->pos)
		n = (size_t)(g->size - g->pos);
	if (n == 0)
		return 0;
	for (;;) {
		ssize_t r = read(g->fd, buf, n);
		if (r > 0) {
			g->pos += r;
			return r;
		}
		if (r < 0 && errno != EINTR)
			fail("PATCH_CORRUPT", "cannot read patch file '%s'",
			    g->path);
		if (r < 0)
			continue;
		/* at the end of what has arrived: wait for more */
		if (!waiting) {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			waiting = 1;
		} else if (since(&t0) >= g->idle)
			fail("PATCH_CORRUPT",
			    "the patch stopped arriving after %llu of %llu bytes",
			    g->pos, g->size);
		nanosleep(&nap, NULL);
	}
}

static void
stream_undelivered(const struct parts *s)
{
	if (s->extra || s->idx >= 3)
		fail("PATCH_CORRUPT", "the payload is longer than its parts");
	fail("PATCH_CORRUPT",
	    "the patch's %s could not be delivered to '%s': %s",
	    part_name[s->idx], s->out[s->idx],
	    s->err ? strerror(s->err) : "cut short");
}

static int
cmd_stream(int argc, char **argv)
{
	static const char usage[] =
	    "stream: usage: kim_patch stream --kind K --base ID "
	    "--qemu-version V --machine M --size N [--idle SECONDS] "
	    "--disk OUT1 --blocks OUT2 --mem OUT3 PATCH";
	static struct patch p;
	static unsigned char buf[CHUNK];
	const char *kind = NULL, *base = NULL, *qv = NULL, *mach = NULL,
		   *size = NULL, *idle = "60", *out[3] = { NULL, NULL, NULL };
	struct growing g = { 0 };
	struct parts s;
	struct stat st;
	EVP_MD_CTX *c;
	unsigned char md[32];
	unsigned int mdl = 0;
	char hex[65], *end;
	size_t have = 0, r;
	const struct opt t[] = { { "--kind", &kind }, { "--base", &base },
		{ "--qemu-version", &qv }, { "--machine", &mach },
		{ "--size", &size }, { "--idle", &idle }, { "--disk", &out[0] },
		{ "--blocks", &out[1] }, { "--mem", &out[2] } };
	int i = parse_opts(
	    argc, argv, t, sizeof t / sizeof *t, NULL, "stream", usage);

	if (argc - i != 1 || !kind || !base || !qv || !mach || !size ||
	    !out[0] || !out[1] || !out[2])
		die("%s", usage);
	if (!*size || strspn(size, "0123456789") != strlen(size) ||
	    strlen(size) > 18 || (g.size = strtoull(size, NULL, 10)) == 0)
		die("stream: --size '%s' is not a number of bytes", size);
	g.idle = strtod(idle, &end);
	if (end == idle || *end || !(g.idle > 0 && g.idle <= 86400))
		die("stream: --idle '%s' is not a number of seconds (up to 86400)",
		    idle);
	p.path = g.path = argv[i];
	if ((g.fd = open(p.path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(g.fd, &st) < 0 || !S_ISREG(st.st_mode))
		fail("PATCH_CORRUPT", "cannot read patch file '%s'", p.path);

	/* the header: its blank line within the first 64 KiB (each byte
	 * looked at once, whatever pieces the file grows in) */
	for (size_t seen = 1;;) {
		if (have >= HDR_MAX || blank_line(p.hdr, have, seen) < have)
			break;
		seen = have > 1 ? have : 1;
		if ((r = growing_read(&g, p.hdr + have, HDR_MAX - have)) == 0)
			break;
		have += r;
	}
	p.size = (off_t)g.size;
	parse_header(&p, have);
	check_payload_size(&p);
	check_coding(&p);
	check_expected(&p, kind, base, qv, mach);
	if (p.version != 2)
		fail("PATCH_CORRUPT",
		    "cannot stream a format %d patch (its payload is a tar)",
		    p.version);
	if (encrypted(&p))
		fail("PATCH_CORRUPT", "cannot stream an encrypted patch");
	printf("HEADER ok\n");
	fflush(stdout);

	/* the payload: hashed, then to the parts' readers as it arrives; what
	 * came with the header first */
	parts_init(&s, &p);
	s.out = out;
	if (!(c = EVP_MD_CTX_new()) ||
	    !EVP_DigestInit_ex(c, EVP_sha256(), NULL))
		die("stream: cannot start SHA-256");
	if (have > p.hl) {
		EVP_DigestUpdate(c, p.hdr + p.hl, have - p.hl);
		if (parts_put(&s, p.hdr + p.hl, have - p.hl) < 0)
			stream_undelivered(&s);
	}
	while ((r = growing_read(&g, buf, sizeof buf)) > 0) {
		EVP_DigestUpdate(c, buf, r);
		if (parts_put(&s, buf, r) < 0)
			stream_undelivered(&s);
	}
	if (parts_end(&s) < 0)
		stream_undelivered(&s);
	if (!EVP_DigestFinal_ex(c, md, &mdl) || mdl != 32)
		die("stream: cannot finish SHA-256");
	EVP_MD_CTX_free(c);
	for (int j = 0; j < 32; j++)
		sprintf(hex + 2 * j, "%02x", md[j]);
	if (strcmp(hex, hget(&p, "payload-sha256")) != 0)
		fail("PATCH_CORRUPT",
		    "payload sha256 mismatch (file damaged in transit?)");
	printf("PAYLOAD ok\n");
	fflush(stdout);
	return 0;
}

/* ---- a VM patch's disk overlay (overlay) -------------------------------- */

#define QCOW2_MAGIC 0x514649fbU /* "QFI\xfb" */
#define QCOW2_HDR_MAX \
	(2 << 20) /* header and extensions: first cluster at most */
#define QCOW2_BACKING "disk.img" /* what kimberlize writes */
#define QCOW2_INCOMPAT_OK \
	((1u << 3) | (1u << 4)) /* compression type, extended L2 */
#define QCOW2_AUTOCLEAR_OK \
	(1u << 0) /* bitmaps (bit 1, raw data file: refused) */
#define QCOW2_EXT_BACKING_FMT 0xe2792acaU
#define QCOW2_EXT_FEATURES 0x6803f857U
#define QCOW2_EXT_BITMAPS 0x23852875U
#define QEMU_IMG_OUT_MAX (1 << 20) /* qemu-img info's JSON */

static void
unsafe_overlay(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fail("PATCH_UNSAFE",
	    "the patch's disk overlay %s; a display does not run it", msg);
}

/* The header as kimberlize makes it, read without any QEMU tool (which
 * would open the files the header names). */
static void
check_qcow2_header(const char *path)
{
	static unsigned char h[QCOW2_HDR_MAX];
	char backing_fmt[16] = "";
	struct stat st;
	ssize_t n;
	uint64_t boff, incompat = 0, autoclear = 0;
	uint32_t version, blen, cbits, hlen, off;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0)
		fail("PATCH_CORRUPT", "the patch lacks its disk overlay: %s",
		    strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		unsafe_overlay("is not a plain file");
	n = read_full(fd, h, sizeof h);
	close(fd);
	if (n < 72 || be32at(h) != QCOW2_MAGIC)
		unsafe_overlay("is not a qcow2 image");
	version = be32at(h + 4);
	boff = be64at(h + 8);
	blen = be32at(h + 16);
	cbits = be32at(h + 20);
	if ((version != 2 && version != 3) || cbits < 9 || cbits > 21)
		unsafe_overlay("is not a qcow2 image of a known version");
	if (be32at(h + 32) != 0)
		unsafe_overlay("is encrypted");
	hlen = 72;
	if (version == 3) {
		if (n < 104)
			unsafe_overlay("has a truncated header");
		incompat = be64at(h + 72);
		autoclear = be64at(h + 88);
		hlen = be32at(h + 100);
	}
	if (incompat & (1u << 2))
		unsafe_overlay("names an external data file");
	if (incompat & ~(uint64_t)QCOW2_INCOMPAT_OK)
		unsafe_overlay(
		    "has incompatible features 0x%llx (dirty, corrupt or unknown)",
		    (unsigned long long)(incompat &
			~(uint64_t)QCOW2_INCOMPAT_OK));
	if (autoclear & ~(uint64_t)QCOW2_AUTOCLEAR_OK)
		unsafe_overlay("has unknown or data-file features 0x%llx",
		    (unsigned long long)(autoclear &
			~(uint64_t)QCOW2_AUTOCLEAR_OK));
	if ((1u << cbits) < (uint64_t)n)
		n = 1 << cbits;
	if (hlen < 72 || hlen > (uint32_t)n || hlen % 8)
		unsafe_overlay("has a bad header length");
	/* header extensions: type, length, data padded to 8 bytes */
	for (off = hlen;;) {
		uint32_t type, len;
		if ((uint64_t)off + 8 > (uint64_t)n)
			unsafe_overlay("has a truncated header extension");
		type = be32at(h + off);
		len = be32at(h + off + 4);
		off += 8;
		if (type == 0)
			break;
		if ((uint64_t)off + len > (uint64_t)n)
			unsafe_overlay("has a truncated header extension");
		switch (type) {
		case QCOW2_EXT_BACKING_FMT:
			if (len >= sizeof backing_fmt)
				unsafe_overlay(
				    "names a backing format that is not raw");
			memcpy(backing_fmt, h + off, len);
			backing_fmt[len] = '\0';
			break;
		case QCOW2_EXT_FEATURES:
		case QCOW2_EXT_BITMAPS: break;
		case 0x44415441U: /* "DATA": external data file name */
			unsafe_overlay("names an external data file");
			break;
		case 0x0537be77U: /* full disk encryption header */
			unsafe_overlay("is encrypted");
			break;
		default:
			unsafe_overlay(
			    "has an unknown header extension 0x%08x", type);
		}
		off += (len + 7) & ~7u;
	}
	if (boff == 0 || blen != sizeof(QCOW2_BACKING) - 1 ||
	    boff + blen > (uint64_t)n ||
	    memcmp(h + boff, QCOW2_BACKING, blen) != 0)
		unsafe_overlay(
		    "names another backing file than the base's disk");
	if (strcmp(backing_fmt, "raw") != 0)
		unsafe_overlay("names a backing format that is not raw");
}

/* run argv (stdin /dev/null, stderr ours); its stdout into out (at most
 * cap - 1 bytes, NUL-terminated) when out != NULL.  0 if it exited 0. */
static int
run(char *const argv[], char *out, size_t cap)
{
	posix_spawn_file_actions_t fa;
	int fds[2] = { -1, -1 }, st, rc;
	size_t got = 0;
	pid_t pid;

	fflush(stdout);
	if (out && pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out)
		posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	else
		posix_spawn_file_actions_addopen(
		    &fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (out)
		close(fds[1]);
	if (rc != 0) {
		if (out)
			close(fds[0]);
		return -1;
	}
	if (out) {
		ssize_t r;
		char sink[4096];
		while (
		    (r = read(fds[0], got + 1 < cap ? out + got : sink,
			 got + 1 < cap ? cap - 1 - got : sizeof sink)) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				break;
			if (got + 1 < cap)
				got += r;
			else
				rc = -1; /* too much: refused below */
		}
		out[got] = '\0';
		close(fds[0]);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) &&
		json_object_is_type(v, json_type_string)
	    ? json_object_get_string(v)
	    : NULL;
}

static int
jhas(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

static int
cmd_overlay(int argc, char **argv)
{
	static const char usage[] =
	    "overlay: usage: kim_patch overlay BASE_DISK OVERLAY";
	static char js[QEMU_IMG_OUT_MAX];
	json_object *chain, *top, *base, *fs, *data;
	const char *disk, *ov, *v;

	if (argc != 3 || argv[1][0] != '/')
		die("%s (BASE_DISK an absolute path)", usage);
	disk = argv[1];
	ov = argv[2];
	check_qcow2_header(ov);
	char *rebase[] = { "qemu-img", "rebase", "-q", "-u", "-f", "qcow2",
		"-b", (char *)disk, "-F", "raw", "--", (char *)ov, NULL };
	if (run(rebase, NULL, 0) != 0)
		fail("PATCH_CORRUPT",
		    "the patch's disk overlay is not a usable qcow2 image");
	char *info[] = { "qemu-img", "info", "-f", "qcow2", "--backing-chain",
		"--output=json", "--", (char *)ov, NULL };
	if (run(info, js, sizeof js) != 0 ||
	    (chain = json_tokener_parse(js)) == NULL)
		fail("PATCH_CORRUPT",
		    "qemu-img cannot read the patch's disk overlay");
	if (!json_object_is_type(chain, json_type_array) ||
	    json_object_array_length(chain) != 2)
		unsafe_overlay("is not one qcow2 image over the base's disk");
	top = json_object_array_get_idx(chain, 0);
	base = json_object_array_get_idx(chain, 1);
	if (!json_object_is_type(top, json_type_object) ||
	    !json_object_is_type(base, json_type_object))
		unsafe_overlay("is not one qcow2 image over the base's disk");
	if ((v = jstr(top, "format")) == NULL || strcmp(v, "qcow2"))
		unsafe_overlay("is not a qcow2 image");
	if ((v = jstr(top, "backing-filename")) == NULL || strcmp(v, disk) ||
	    (v = jstr(top, "full-backing-filename")) == NULL ||
	    strcmp(v, disk) || (v = jstr(base, "filename")) == NULL ||
	    strcmp(v, disk))
		unsafe_overlay(
		    "names another backing file than the base's disk");
	if ((v = jstr(top, "backing-filename-format")) == NULL ||
	    strcmp(v, "raw") || (v = jstr(base, "format")) == NULL ||
	    strcmp(v, "raw") || jhas(base, "backing-filename") ||
	    jhas(base, "full-backing-filename"))
		unsafe_overlay("names a backing format that is not raw");
	if (jhas(top, "encrypted") || jhas(base, "encrypted"))
		unsafe_overlay("is encrypted");
	if (json_object_object_get_ex(top, "format-specific", &fs) &&
	    json_object_object_get_ex(fs, "data", &data) &&
	    (jhas(data, "data-file") || jhas(data, "data-file-raw") ||
		jhas(data, "encrypt")))
		unsafe_overlay("names an external data file");
	json_object_put(chain);
	return 0;
}

int
main(int argc, char **argv)
{
	/* a tar or a part's reader that quits early: EPIPE, a failure */
	signal(SIGPIPE, SIG_IGN);
	/* SHA-256, PBKDF2 and AES come from the default provider: no need to
	 * read openssl.cnf on every patch */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "unpack"))
		return cmd_unpack(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "stream"))
		return cmd_stream(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "overlay"))
		return cmd_overlay(argc - 1, argv + 1);
	die("kim_patch_unpack check|unpack|stream|overlay ...: run as kim_patch "
	    "check|unpack|stream|overlay (see scripts/kim_patch)");
}
