/*
 * kim_disk -- a VM patch's disk part as 4 KiB chunks deduplicated against
 * the base disk (patch format 2, docs/vm.md "Patch format 2").
 *
 *   kim_disk encode BASE_DISK OVERLAY.qcow2 OUT [DATA]   publisher (kimberlize)
 *   kim_disk decode BASE_DISK IN|- OUT.qcow2 [DATA]      display (dekimberlize)
 *
 * DATA (an existing file, appended to): every data cluster (D, B and S
 * records' blocks) in stream order, the same bytes on both sides.  Patch
 * format 2 compresses the memory state against base.mem followed by these
 * bytes (zstd --patch-from): pages the app mapped from files it installed
 * are found on its disk.
 *
 *   kim_disk pages BASE_DISK BASE_MEM APP_MEM LIST      publisher
 *   kim_disk blocks BASE_DISK LIST DATA                 display
 *
 * pages lists the base disk blocks that memory pages of APP_MEM (new since
 * BASE_MEM) equal -- libraries and data the app mapped from the base's
 * disk; blocks appends them to DATA, so the memory is compressed against
 * them too.
 *
 * encode reads the qcow2 overlay kimberlize made (its own L1/L2 tables; no
 * QEMU tool), and for every 4 KiB block the overlay holds writes only what
 * the display cannot find itself:
 *   - a block equal to the base's block at the same offset: nothing;
 *   - a block of zeros where the base has zeros too: nothing; where the
 *     base has data: 'Z' (the block reads as zeros);
 *   - a block equal to some other base block: 'B' + that block's index;
 *   - a block equal to an earlier block of this overlay: 'S' + its index;
 *   - anything else: 'D' + the 4096 bytes.
 * Records come in increasing guest block order, so decode can write the
 * data as it arrives (a pipe).  Stream (little-endian):
 *   "KIMDISK1" u64 virtual_size u64 n_data u64 n_l2
 *   records: u8 type, u32 guest block, then B/S: u32 block, D: 4096 bytes
 *   'E' u32 0
 * n_data = D+B+S records (clusters decode allocates), n_l2 = distinct 2 MiB
 * regions touched (L2 tables); both bound what decode allocates up front.
 *
 * decode trusts nothing in IN (it comes from a stranger): every count,
 * index and order is checked; a bad or short stream removes OUT and exits 1
 * with "ERROR PATCH_CORRUPT ..." on stdout.  It writes a qcow2 v3 image with
 * 4 KiB clusters whose backing file is "disk.img" (raw): the same shape
 * kimberlize's overlays have, so `kim_patch overlay` checks it as before.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scripts/be.h"

#define PROG "kim_disk"
#include "scripts/die.h"
#define BS 4096u
#define MAGIC "KIMDISK1"
#define L2E (BS / 8) /* entries per L2 table (4 KiB clusters) */
#define OFLAG_COPIED (1ULL << 63)
#define OFLAG_COMPRESSED (1ULL << 62)
#define OFLAG_ZERO 1ULL
#define OFF_MASK 0x00fffffffffffe00ULL

static const char *out_path; /* removed on a decode failure */

/* a refused stream: contract status line, message, OUT removed, exit 1 */
static void
corrupt(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (out_path)
		unlink(out_path);
	printf(
	    "ERROR PATCH_CORRUPT the patch's disk part is damaged: %s\n", msg);
	fflush(stdout);
	fprintf(stderr, PROG ": %s\n", msg);
	exit(1);
}

static int
pread_full(int fd, void *buf, size_t n, off_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, off + got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) { /* past the end: zeros */
			memset((char *)buf + got, 0, n - got);
			break;
		}
		got += r;
	}
	return 0;
}

static void
pwrite_full(int fd, const void *buf, size_t n, off_t off)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w =
		    pwrite(fd, (const char *)buf + done, n - done, off + done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (out_path)
				unlink(out_path);
			fprintf(stderr, PROG ": writing %s: %s\n",
			    out_path ? out_path : "output", strerror(errno));
			exit(errno == ENOSPC || errno == EDQUOT ? 3 : 1);
		}
		done += w;
	}
}

static size_t
read_full(FILE *f, void *buf, size_t n)
{
	return fread(buf, 1, n, f);
}

static int
is_zero(const unsigned char *b)
{
	static const unsigned char z[BS];
	return memcmp(b, z, BS) == 0;
}

/* a fast 64-bit hash of a block; equality is always confirmed by memcmp */
static uint64_t
bhash(const unsigned char *b)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL, w;
	for (unsigned i = 0; i < BS; i += 8) {
		memcpy(&w, b + i, 8);
		h ^= w;
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h ^ (h >> 29);
}

/* open-addressing table hash -> block index (first one seen wins) */
struct htab {
	uint64_t *key;
	uint32_t *val;
	size_t cap, n;
};

static void
ht_init(struct htab *t, size_t want)
{
	t->cap = 1024;
	while (t->cap < want * 2)
		t->cap <<= 1;
	t->key = calloc(t->cap, sizeof *t->key);
	t->val = malloc(t->cap * sizeof *t->val);
	t->n = 0;
	if (!t->key || !t->val)
		die("out of memory");
}

static void ht_put(struct htab *t, uint64_t h, uint32_t v);

static void
ht_grow(struct htab *t)
{
	struct htab n;
	ht_init(&n, t->cap);
	for (size_t i = 0; i < t->cap; i++)
		if (t->key[i])
			ht_put(&n, t->key[i], t->val[i]);
	free(t->key);
	free(t->val);
	*t = n;
}

static void
ht_put(struct htab *t, uint64_t h, uint32_t v)
{
	if (!h)
		h = 1;
	if ((t->n + 1) * 2 > t->cap)
		ht_grow(t);
	for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (t->key[i] == h)
			return;
		if (!t->key[i]) {
			t->key[i] = h;
			t->val[i] = v;
			t->n++;
			return;
		}
	}
}

static int
ht_get(const struct htab *t, uint64_t h, uint32_t *v)
{
	if (!h)
		h = 1;
	for (size_t i = h & (t->cap - 1); t->key[i]; i = (i + 1) & (t->cap - 1))
		if (t->key[i] == h) {
			*v = t->val[i];
			return 1;
		}
	return 0;
}

/* ---------------------------------------------------------------- encode */

static FILE *rec_out;
static int data_out = -1; /* DATA: every data cluster in stream order */

static void
data_append(const unsigned char *b)
{
	size_t done = 0;
	while (done < BS) {
		ssize_t w = write(data_out, b + done, BS - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (out_path)
				unlink(out_path);
			fprintf(stderr, PROG ": writing the data file: %s\n",
			    strerror(errno));
			exit(errno == ENOSPC || errno == EDQUOT ? 3 : 1);
		}
		done += w;
	}
}
static unsigned long long st_same, st_zero_skip, st_zero, st_base, st_self,
    st_data;

static void
put32(FILE *f, uint32_t v)
{
	uint32_t le = htole32(v);
	fwrite(&le, 4, 1, f);
}

static void
put64(FILE *f, uint64_t v)
{
	uint64_t le = htole64(v);
	fwrite(&le, 8, 1, f);
}

struct enc {
	int base, ov;
	uint64_t vsize, base_blocks;
	struct htab bidx; /* base block contents */
	struct htab sidx; /* this overlay's D blocks: guest block */
	uint64_t *dhost;  /* guest block -> overlay host offset for D */
	uint64_t n_data, n_l2, last_l1;
	int any;
};

static void
note_l2(struct enc *e, uint32_t blk)
{
	uint64_t l1 = blk / L2E;
	if (!e->any || l1 != e->last_l1)
		e->n_l2++;
	e->last_l1 = l1;
	e->any = 1;
}

/* one 4 KiB guest block the overlay holds (data, or NULL: reads as zeros) */
static void
enc_block(struct enc *e, uint32_t blk, const unsigned char *data, uint64_t host)
{
	static unsigned char bb[BS], cand[BS];
	static const unsigned char zeros[BS];
	uint32_t v;

	if (pread_full(e->base, bb, BS, (off_t)blk * BS) < 0)
		die("reading the base disk: %s", strerror(errno));
	if (!data)
		data = zeros;
	if (memcmp(data, bb, BS) == 0) {
		if (data == zeros || is_zero(data))
			st_zero_skip++;
		else
			st_same++;
		return;
	}
	note_l2(e, blk);
	if (data == zeros || is_zero(data)) {
		fputc('Z', rec_out);
		put32(rec_out, blk);
		st_zero++;
		return;
	}
	uint64_t h = bhash(data);
	e->n_data++;
	if (ht_get(&e->bidx, h, &v) &&
	    pread_full(e->base, cand, BS, (off_t)v * BS) == 0 &&
	    memcmp(cand, data, BS) == 0) {
		fputc('B', rec_out);
		put32(rec_out, blk);
		put32(rec_out, v);
		st_base++;
		if (data_out >= 0)
			data_append(data);
		return;
	}
	if (ht_get(&e->sidx, h, &v) &&
	    pread_full(e->ov, cand, BS, e->dhost[v]) == 0 &&
	    memcmp(cand, data, BS) == 0) {
		fputc('S', rec_out);
		put32(rec_out, blk);
		put32(rec_out, v);
		st_self++;
		if (data_out >= 0)
			data_append(data);
		return;
	}
	fputc('D', rec_out);
	put32(rec_out, blk);
	fwrite(data, 1, BS, rec_out);
	if (data_out >= 0)
		data_append(data);
	ht_put(&e->sidx, h, blk);
	e->dhost[blk] = host;
	st_data++;
}

/* the base's index: every non-zero block's hash (holes skipped) */
static void
index_base(struct enc *e)
{
	static unsigned char buf[256 * BS];
	off_t pos = 0, end = (off_t)e->vsize;
	ht_init(&e->bidx, 1 << 18);
	while (pos < end) {
		off_t d = lseek(e->base, pos, SEEK_DATA);
		if (d < 0)
			break;
		off_t h = lseek(e->base, d, SEEK_HOLE);
		if (h < 0)
			h = end;
		d &= ~(off_t)(BS - 1);
		for (off_t o = d; o < h; o += sizeof buf) {
			size_t n = (size_t)(h - o < (off_t)sizeof buf
				? h - o
				: (off_t)sizeof buf);
			n = (n + BS - 1) / BS * BS;
			if (pread_full(e->base, buf, n, o) < 0)
				die("reading the base disk: %s",
				    strerror(errno));
			for (size_t i = 0; i < n; i += BS)
				if (!is_zero(buf + i))
					ht_put(&e->bidx, bhash(buf + i),
					    (uint32_t)((o + i) / BS));
		}
		pos = h;
	}
}

static int
encode(const char *basep, const char *ovp, const char *outp)
{
	struct enc e = { 0 };
	unsigned char hdr[112];
	struct stat st;

	if ((e.base = open(basep, O_RDONLY)) < 0 || fstat(e.base, &st) < 0)
		die("%s: %s", basep, strerror(errno));
	if ((e.ov = open(ovp, O_RDONLY)) < 0)
		die("%s: %s", ovp, strerror(errno));
	if (pread_full(e.ov, hdr, sizeof hdr, 0) < 0 ||
	    memcmp(hdr, "QFI\xfb", 4) != 0)
		die("%s: not a qcow2 image", ovp);
	uint32_t version = be32at(hdr + 4), cbits = be32at(hdr + 20);
	e.vsize = be64at(hdr + 24);
	uint32_t l1n = be32at(hdr + 36);
	uint64_t l1off = be64at(hdr + 40);
	if (version < 2 || version > 3 || cbits < 12 || cbits > 21 ||
	    be32at(hdr + 32) != 0)
		die("%s: an unsupported qcow2 image (version %u, cluster bits %u)",
		    ovp, version, cbits);
	if (version == 3 &&
	    be64at(hdr + 72) != 0) /* no dirty, corrupt, data-file... */
		die("%s: qcow2 incompatible features %#llx not supported", ovp,
		    (unsigned long long)be64at(hdr + 72));
	if ((uint64_t)st.st_size != e.vsize)
		die("the overlay's size %llu is not the base disk's %llu",
		    (unsigned long long)e.vsize,
		    (unsigned long long)st.st_size);
	if (e.vsize % BS || e.vsize / BS > UINT32_MAX)
		die("disk size %llu not supported",
		    (unsigned long long)e.vsize);
	uint64_t cs = 1ULL << cbits, l2n = cs / 8;
	e.base_blocks = e.vsize / BS;
	e.dhost = calloc(e.base_blocks, sizeof *e.dhost);
	if (!e.dhost)
		die("out of memory");
	index_base(&e);
	ht_init(&e.sidx, 1 << 16);

	/* records to a temporary body; the stream header needs the counts */
	char *tmp;
	if (asprintf(&tmp, "%s.body", outp) < 0)
		die("out of memory");
	if (!(rec_out = fopen(tmp, "w+")))
		die("%s: %s", tmp, strerror(errno));
	unlink(tmp);
	uint64_t *l1 = malloc(l1n * 8 + 8), *l2 = malloc(cs);
	unsigned char *clu = malloc(cs);
	if (!l1 || !l2 || !clu)
		die("out of memory");
	if (pread_full(e.ov, l1, (size_t)l1n * 8, l1off) < 0)
		die("reading the L1 table: %s", strerror(errno));
	for (uint32_t i = 0; i < l1n; i++) {
		uint64_t l2off = be64toh(l1[i]) & OFF_MASK;
		if (!l2off)
			continue;
		if (pread_full(e.ov, l2, cs, l2off) < 0)
			die("reading an L2 table: %s", strerror(errno));
		for (uint64_t j = 0; j < l2n; j++) {
			uint64_t ent = be64toh(l2[j]), off = ent & OFF_MASK;
			uint64_t g = (i * l2n + j) * cs;
			if (g >= e.vsize)
				break;
			if (ent & OFLAG_COMPRESSED)
				die("compressed qcow2 clusters are not supported");
			int zero = version == 3 && (ent & OFLAG_ZERO);
			if (!off && !zero)
				continue; /* the base shows through */
			if (!zero && pread_full(e.ov, clu, cs, off) < 0)
				die("reading a cluster: %s", strerror(errno));
			for (uint64_t k = 0; k < cs && g + k < e.vsize; k += BS)
				enc_block(&e, (uint32_t)((g + k) / BS),
				    zero ? NULL : clu + k, off + k);
		}
	}
	fputc('E', rec_out);
	put32(rec_out, 0);
	if (fflush(rec_out) != 0)
		die("writing %s: %s", tmp, strerror(errno));

	FILE *o = fopen(outp, "wx");
	if (!o)
		die("%s: %s", outp, strerror(errno));
	fputs(MAGIC, o);
	put64(o, e.vsize);
	put64(o, e.n_data);
	put64(o, e.n_l2);
	rewind(rec_out);
	size_t n;
	while ((n = fread(clu, 1, cs, rec_out)) > 0)
		fwrite(clu, 1, n, o);
	if (ferror(rec_out) || fclose(o) != 0)
		die("writing %s: %s", outp, strerror(errno));
	fclose(rec_out);
	fprintf(stderr,
	    PROG
	    ": 4 KiB blocks in the overlay: %llu same as the base, %llu zero over zero, "
	    "%llu zeroed, %llu found elsewhere in the base, %llu repeats, %llu new (%llu bytes)\n",
	    st_same, st_zero_skip, st_zero, st_base, st_self, st_data,
	    st_data * BS);
	return 0;
}

/* ---------------------------------------------------------------- decode */

static uint64_t
get_le(FILE *f, int n)
{
	unsigned char b[8];
	uint64_t v = 0;
	if (read_full(f, b, n) != (size_t)n)
		corrupt("truncated");
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static int
decode(const char *basep, const char *inp, const char *outp)
{
	FILE *in = strcmp(inp, "-") == 0 ? stdin : fopen(inp, "r");
	struct stat st;
	int base = open(basep, O_RDONLY), out;
	unsigned char m[8], buf[BS];

	if (!in)
		die("%s: %s", inp, strerror(errno));
	if (base < 0 || fstat(base, &st) < 0)
		die("%s: %s", basep, strerror(errno));
	if ((out = open(outp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0600)) <
	    0)
		die("%s: %s", outp, strerror(errno));
	out_path = outp;
	if (read_full(in, m, 8) != 8 || memcmp(m, MAGIC, 8) != 0)
		corrupt("not a KIMDISK1 stream");
	uint64_t vsize = get_le(in, 8), n_data = get_le(in, 8),
		 n_l2 = get_le(in, 8);
	if (vsize != (uint64_t)st.st_size)
		corrupt("made for a disk of %llu bytes, the base's is %llu",
		    (unsigned long long)vsize, (unsigned long long)st.st_size);
	if (vsize % BS || vsize / BS > UINT32_MAX)
		corrupt("bad disk size");
	uint64_t blocks = vsize / BS, l1n = (blocks + L2E - 1) / L2E;
	if (n_data > blocks || n_l2 > l1n)
		corrupt("counts out of range");

	/* layout: header, L1, refcount table, refcount blocks, L2s, data */
	uint64_t l1c = (l1n * 8 + BS - 1) / BS, rbc = 1, rtc = 1, total;
	for (;;) {
		total = 1 + l1c + rtc + rbc + n_l2 + n_data;
		uint64_t nrb = (total + BS / 2 - 1) / (BS / 2);
		uint64_t nrt = (nrb * 8 + BS - 1) / BS;
		if (nrb == rbc && nrt == rtc)
			break;
		rbc = nrb, rtc = nrt;
	}
	uint64_t l1_at = 1, rt_at = l1_at + l1c, rb_at = rt_at + rtc,
		 l2_at = rb_at + rbc, data_at = l2_at + n_l2;
	uint64_t *l1 = calloc(l1n, 8), *l2 = calloc(n_l2 ? n_l2 : 1, BS);
	uint32_t *dblk = malloc((n_data ? n_data : 1) *
	    sizeof *dblk); /* data index -> guest block */
	if (!l1 || !l2 || !dblk)
		die("out of memory");
	uint64_t used_l2 = 0, used_data = 0, last = 0, cur_l1 = UINT64_MAX;
	int first = 1;
	for (;;) {
		int t = fgetc(in);
		if (t == EOF)
			corrupt("truncated");
		uint32_t blk = (uint32_t)get_le(in, 4);
		if (t == 'E') {
			if (blk != 0)
				corrupt("bad end record");
			break;
		}
		if (blk >= blocks || (!first && blk <= last))
			corrupt("block %u out of order or range", blk);
		first = 0;
		last = blk;
		if (blk / L2E != cur_l1) {
			if (used_l2 == n_l2)
				corrupt("more L2 tables than announced");
			cur_l1 = blk / L2E;
			l1[cur_l1] = (l2_at + used_l2) * BS;
			used_l2++;
		}
		uint64_t *ent = l2 + (used_l2 - 1) * L2E + blk % L2E;
		if (t == 'Z') {
			*ent = OFLAG_ZERO;
			continue;
		}
		if (t != 'D' && t != 'B' && t != 'S')
			corrupt("unknown record type %d", t);
		if (used_data == n_data)
			corrupt("more data blocks than announced");
		if (t == 'D') {
			if (read_full(in, buf, BS) != BS)
				corrupt("truncated");
		} else {
			uint32_t src = (uint32_t)get_le(in, 4);
			if (t == 'B') {
				if (src >= blocks ||
				    pread_full(base, buf, BS, (off_t)src * BS) <
					0)
					corrupt(
					    "base block %u out of range", src);
			} else {
				/* an earlier block of this stream: binary search */
				uint64_t lo = 0, hi = used_data;
				while (lo < hi) {
					uint64_t mid = (lo + hi) / 2;
					if (dblk[mid] < src)
						lo = mid + 1;
					else
						hi = mid;
				}
				if (lo == used_data || dblk[lo] != src)
					corrupt(
					    "repeat of block %u, which is not in the stream before it",
					    src);
				if (pread_full(out, buf, BS,
					(off_t)(data_at + lo) * BS) < 0)
					die("reading back %s: %s", outp,
					    strerror(errno));
			}
		}
		pwrite_full(out, buf, BS, (off_t)(data_at + used_data) * BS);
		if (data_out >= 0)
			data_append(buf);
		*ent = ((data_at + used_data) * BS) | OFLAG_COPIED;
		dblk[used_data++] = blk;
	}
	if (fgetc(in) != EOF)
		corrupt("bytes after the end record");
	if (used_data != n_data || used_l2 != n_l2)
		corrupt("fewer blocks than announced");

	/* metadata, then the header last */
	for (uint64_t i = 0; i < n_l2 * L2E; i++)
		l2[i] = htobe64(l2[i]);
	if (n_l2)
		pwrite_full(out, l2, n_l2 * BS, (off_t)l2_at * BS);
	for (uint64_t i = 0; i < l1n; i++)
		l1[i] = l1[i] ? htobe64(l1[i] | OFLAG_COPIED) : 0;
	pwrite_full(out, l1, l1n * 8, (off_t)l1_at * BS);
	uint64_t *rt = calloc(rtc, BS);
	uint16_t *rb = calloc(rbc, BS);
	if (!rt || !rb)
		die("out of memory");
	for (uint64_t i = 0; i < rbc; i++)
		rt[i] = htobe64((rb_at + i) * BS);
	for (uint64_t i = 0; i < total; i++)
		rb[i] = htobe16(1);
	pwrite_full(out, rt, rtc * BS, (off_t)rt_at * BS);
	pwrite_full(out, rb, rbc * BS, (off_t)rb_at * BS);

	unsigned char h[BS] = { 0 };
	memcpy(h, "QFI\xfb", 4);
	be32put(h + 4, 3);   /* version */
	be32put(h + 20, 12); /* cluster bits: 4 KiB */
	be64put(h + 24, vsize);
	be32put(h + 36, (uint32_t)l1n);
	be64put(h + 40, l1_at * BS);
	be64put(h + 48, rt_at * BS);
	be32put(h + 56, (uint32_t)rtc);
	be32put(h + 96, 4);    /* refcount order: 16 bits */
	be32put(h + 100, 104); /* header length */
	/* extension: backing file format "raw"; end of extensions */
	be32put(h + 104, 0xE2792ACA);
	be32put(h + 108, 3);
	memcpy(h + 112, "raw", 3);
	/* h + 120: end extension (zeros); backing file name after it */
	be64put(h + 8, 128);
	be32put(h + 16, 8);
	memcpy(h + 128, "disk.img", 8);
	pwrite_full(out, h, BS, 0);
	if (ftruncate(out, (off_t)(data_at + n_data) * BS) < 0 ||
	    fsync(out) < 0 || close(out) < 0) {
		unlink(outp);
		die("writing %s: %s", outp, strerror(errno));
	}
	return 0;
}

/* ----------------------------------------------------- memory's disk pages */

/* The saved memory state holds each RAM page as 4096 bytes after an 8-byte
 * big-endian header whose low 12 bits are QEMU's flags: 0x28 = PAGE |
 * CONTINUE (docs/vm.md, "Patch format 2").  Candidates found that way are
 * only looked up (hash, then bytes): a false one costs nothing. */
static int
page_at(const unsigned char *d, size_t n, size_t j)
{
	return j >= 7 && j + 1 + BS <= n && d[j] == 0x28 &&
	    (d[j - 1] & 0x0f) == 0;
}

static unsigned char *
slurp(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	unsigned char *d;
	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s: %s", path, strerror(errno));
	if (!(d = malloc(st.st_size ? st.st_size : 1)))
		die("out of memory");
	if (pread_full(fd, d, st.st_size, 0) < 0)
		die("%s: %s", path, strerror(errno));
	close(fd);
	*n = st.st_size;
	return d;
}

/* pages BASE_DISK BASE_MEM APP_MEM LIST: the base disk blocks that pages of
 * APP_MEM (not in BASE_MEM) equal, as u32 LE block indices, each once */
static int
pages(
    const char *diskp, const char *bmemp, const char *amemp, const char *listp)
{
	struct enc e = { 0 };
	struct stat st;
	struct htab inb, seen;
	size_t bn, an;
	unsigned char cand[BS];
	unsigned long long n = 0;

	if ((e.base = open(diskp, O_RDONLY)) < 0 || fstat(e.base, &st) < 0)
		die("%s: %s", diskp, strerror(errno));
	e.vsize = st.st_size & ~(off_t)(BS - 1);
	index_base(&e);
	unsigned char *b = slurp(bmemp, &bn);
	ht_init(&inb, 1 << 18);
	for (size_t j = 0; j < bn; j++)
		if (page_at(b, bn, j))
			ht_put(&inb, bhash(b + j + 1), 0);
	free(b);
	unsigned char *a = slurp(amemp, &an);
	FILE *o = fopen(listp, "wx");
	if (!o)
		die("%s: %s", listp, strerror(errno));
	ht_init(&seen, 1 << 14);
	for (size_t j = 0; j < an; j++) {
		if (!page_at(a, an, j))
			continue;
		const unsigned char *pg = a + j + 1;
		uint64_t h = bhash(pg);
		uint32_t v;
		if (is_zero(pg) || ht_get(&inb, h, &v) || ht_get(&seen, h, &v))
			continue;
		if (ht_get(&e.bidx, h, &v) &&
		    pread_full(e.base, cand, BS, (off_t)v * BS) == 0 &&
		    memcmp(cand, pg, BS) == 0) {
			put32(o, v);
			ht_put(&seen, h, v);
			n++;
			j += BS;
		}
	}
	if (fclose(o) != 0)
		die("writing %s: %s", listp, strerror(errno));
	fprintf(stderr,
	    PROG ": %llu memory pages found on the base disk (%llu bytes)\n", n,
	    n * BS);
	return 0;
}

/* blocks BASE_DISK LIST DATA: append the listed base disk blocks to DATA
 * (the display's side of `pages`); LIST comes from a stranger */
static int
blocks(const char *diskp, const char *listp, const char *datap)
{
	struct stat st;
	int base = open(diskp, O_RDONLY);
	FILE *l = fopen(listp, "r");
	unsigned char b4[4], buf[BS];

	if (base < 0 || fstat(base, &st) < 0 || !l)
		die("%s: %s", base < 0 ? diskp : listp, strerror(errno));
	if ((data_out = open(
		 datap, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)) < 0)
		die("%s: %s", datap, strerror(errno));
	uint64_t nb = st.st_size / BS;
	size_t r;
	while ((r = read_full(l, b4, 4)) == 4) {
		uint32_t v =
		    b4[0] | b4[1] << 8 | b4[2] << 16 | (uint32_t)b4[3] << 24;
		if (v >= nb)
			corrupt(
			    "the memory part names block %u, beyond the base disk",
			    v);
		if (pread_full(base, buf, BS, (off_t)v * BS) < 0)
			die("reading the base disk: %s", strerror(errno));
		data_append(buf);
	}
	if (r != 0)
		corrupt("the memory part's block list is cut");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "pages") == 0)
		return pages(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 5 && strcmp(argv[1], "blocks") == 0)
		return blocks(argv[2], argv[3], argv[4]);
	if ((argc == 5 || argc == 6) &&
	    (strcmp(argv[1], "encode") == 0 ||
		strcmp(argv[1], "decode") == 0)) {
		if (argc == 6 &&
		    (data_out = open(argv[5],
			 O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)) < 0)
			die("%s: %s", argv[5], strerror(errno));
		if (argv[1][0] == 'e')
			return encode(argv[2], argv[3], argv[4]);
		return decode(argv[2], argv[3], argv[4]);
	}
	fprintf(stderr,
	    "usage: " PROG " encode BASE_DISK OVERLAY.qcow2 OUT [DATA]\n"
	    "       " PROG " decode BASE_DISK IN|- OUT.qcow2 [DATA]\n"
	    "       " PROG " pages BASE_DISK BASE_MEM APP_MEM LIST\n"
	    "       " PROG " blocks BASE_DISK LIST DATA\n");
	return 2;
}
