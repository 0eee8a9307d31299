/* transfer.h -- chunked file transfer, written once and used by both sides
 * (docs/design.md steps 6 and 11).
 *
 * A file travels as a header (name, 64-bit size), pieces of at most
 * KIM_CHUNK bytes, and an end that carries its SHA-256 (so the sender reads
 * the file once, hashing as it sends).  The receiving side (struct kim_sink)
 * writes into a hidden partial file, hashes as it goes, and renames the file
 * into place only when every byte arrived and the checksum matches; anything
 * else removes the partial file.  The sending client does not wait a round
 * trip per piece: pieces go as batched ONC RPC calls (no reply), and the one
 * replying call at the end flushes the stream and collects the verdict. */
#ifndef KIM_TRANSFER_H
#define KIM_TRANSFER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rpc/rpc.h>

#include "sha256.h"

#define KIM_CHUNK ((size_t)1 << 20) /* 1 MiB: the protocol's piece limit */

/* Pieces needed for size bytes (0 for an empty file). */
uint64_t kim_chunk_count(uint64_t size);
/* Length of the piece that starts at offset (0 at or past the end). */
size_t kim_chunk_len(uint64_t size, uint64_t offset);

struct kim_sink {
	int fd; /* -1 when idle */
	char *part_path;
	char *final_path;
	uint64_t size;
	uint64_t got;
	int verify;   /* wait for kim_sink_end's checksum */
	int complete; /* every byte arrived (verify: not yet renamed) */
	unsigned char have[KIM_SHA256_BYTES];
	void *md;  /* EVP_MD_CTX */
	int error; /* sticky: first error, 0 if none */
	int done;  /* renamed into place */
};

void kim_sink_init(struct kim_sink *s);
/* Start receiving dir/name (name already checked).  verify: the file is
 * renamed into place only by kim_sink_end with the right checksum; else (the
 * seed's send_file, which has none) as soon as the last byte arrives.
 * 0 or a KIM_E_ code. */
int kim_sink_open(struct kim_sink *s, const char *dir, const char *name,
    uint64_t size, int verify);
/* Append a piece.  Returns 0 or the sticky error (after which the partial
 * file is gone). */
int kim_sink_write(struct kim_sink *s, const void *buf, size_t len);
/* End of the sender's stream, with the file's SHA-256 (NULL: none to check):
 * 0 if the file is complete, verified and in place, else the error
 * (KIM_E_TRUNCATED if bytes are missing, KIM_E_CHECKSUM).  Leaves the sink
 * idle. */
int kim_sink_end(struct kim_sink *s, const unsigned char *sha);
/* Drop any partial file; leaves the sink idle. */
void kim_sink_abort(struct kim_sink *s);
int kim_sink_active(const struct kim_sink *s);
/* A file was begun in this sink (active, failed or finished): pieces for it
 * are answered with its state rather than "no transfer". */
int kim_sink_begun(const struct kim_sink *s);
/* Every byte arrived (renamed into place, or waiting for the checksum). */
int kim_sink_finished(const struct kim_sink *s);
/* The size announced for the current file. */
uint64_t kim_sink_size(const struct kim_sink *s);
/* Bytes of it written so far. */
uint64_t kim_sink_got(const struct kim_sink *s);
/* The partial file's name in the spool (".partial-XXXXXX"), NULL if none. */
const char *kim_sink_part_name(const struct kim_sink *s);
/* Is name one the sink makes for its partial files? */
int kim_sink_is_part_name(const char *name);
/* Up to len of the partial file's first bytes (as written so far) into
 * buf: the count, or -1 (none: not begun, or already in place). */
ssize_t kim_sink_peek(const struct kim_sink *s, void *buf, size_t len);

struct kim_source {
	int fd;
	uint64_t size;
	uint64_t off;
};

/* Open path for sending; sha (optional) receives its SHA-256.  0 or -1. */
int
kim_source_open(struct kim_source *src, const char *path, unsigned char *sha);
/* The same for a descriptor already open (taken over: closed by
 * kim_source_close, also on failure). */
int kim_source_fdopen(struct kim_source *src, int fd, unsigned char *sha);
/* Read the next piece (<= KIM_CHUNK) into buf; bytes read, 0 at end, -1. */
ssize_t kim_source_next(struct kim_source *src, void *buf);
void kim_source_close(struct kim_source *src);

typedef void (*kim_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* Client: send the local file path to the display as name.  0 or KIM_E_. */
int kim_client_send(CLIENT *c, const char *path, const char *name,
    kim_progress_fn progress, void *arg);
/* Client: fetch the display's file name into dir/local_name, verified
 * against the size and SHA-256 the display announces (copied to sha_out).
 * 0 or KIM_E_. */
int kim_client_retrieve(CLIENT *c, const char *name, const char *dir,
    const char *local_name, unsigned char sha_out[KIM_SHA256_BYTES],
    kim_progress_fn progress, void *arg);

#endif
