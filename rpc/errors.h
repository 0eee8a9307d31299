/* errors.h -- the one error table both launchers share (docs/design.md section 3). */
#ifndef KIM_ERRORS_H
#define KIM_ERRORS_H

/* X(symbol, code, sentence a person understands).  The limits named in the
 * sentences are rpc/kimberley.x's: a file that expands the table includes
 * kimberley.h (tests/unit/test_errors.c checks the numbers). */
#define KIM_STR_(x) #x
#define KIM_STR(x) KIM_STR_(x)
#define KIM_ERROR_TABLE(X) \
	X(OK, 0, "success") \
	X(BUSY, -1, \
	    "the display is busy with another user; try again when they are done") \
	X(VERSION, -2, \
	    "the display speaks a different Kimberley protocol version; update one side") \
	X(AUTH_REQUIRED, -3, "the display asks you to authenticate first") \
	X(AUTH_FAILED, -4, "authentication with the display failed") \
	X(AUTH_CONTINUE, -5, "authentication needs another step") \
	X(AUTH_MECH, -6, \
	    "the display does not offer that authentication mechanism") \
	X(AUTH_WAIT, -7, \
	    "too many failed tries to authenticate; wait before trying again") \
	X(NAME_EMPTY, -10, "the file name is empty") \
	X(NAME_TOO_LONG, -11, \
	    "the file name is longer than " KIM_STR(KIM_NAME_MAX) " bytes") \
	X(NAME_SLASH, -12, \
	    "the file name contains '/'; only a plain file name is accepted") \
	X(NAME_DOTDOT, -13, "the file name contains '..'") \
	X(NAME_NUL, -14, "the file name contains a NUL byte") \
	X(NAME_BAD, -15, \
	    "the file name starts with '.' or contains control characters") \
	X(NAME_FS_LONG, -16, \
	    "the file name is longer than the display's file system allows") \
	X(CHUNK_TOO_BIG, -20, "a piece of the file was larger than 1 MiB") \
	X(TOO_MANY_BYTES, -21, \
	    "more bytes arrived than the file's announced size") \
	X(CHECKSUM, -22, \
	    "the file arrived corrupted (checksum mismatch); send it again") \
	X(NO_TRANSFER, -23, "no file transfer is in progress") \
	X(TRUNCATED, -24, "the file arrived incomplete") \
	X(IO, -25, \
	    "the display could not store the file (disk full or I/O error)") \
	X(FILE_TOO_BIG, -26, "the file is larger than this display accepts") \
	X(NO_SUCH_FILE, -27, "no such file on the display") \
	X(SIZE_BAD, -28, "the announced file size is invalid") \
	X(TOO_MANY_FILES, -29, \
	    "the session sent more files than this display accepts") \
	X(VMNAME_BAD, -30, \
	    "the VM name is empty, too long (over " KIM_STR( \
		KIM_VMNAME_MAX) " bytes) or contains '/'") \
	X(NO_SUCH_VM, -31, "no VM by that name on this display") \
	X(OUT_OF_ORDER, -32, "the request came out of order for this session") \
	X(NO_PATCH, -33, "the patch file has not been sent to the display") \
	X(PATCH_NAME_BAD, -34, \
	    "the patch name is empty or longer than " KIM_STR( \
		KIM_PATCH_MAX) " bytes") \
	X(SESSION_TOO_BIG, -35, \
	    "the session sent more bytes in all than this display accepts") \
	X(URL_BAD, -40, \
	    "the patch URL is invalid; only http:// and https:// URLs are accepted") \
	X(URL_NOT_FOUND, -41, \
	    "the patch URL was not found on its server (HTTP 404)") \
	X(URL_REFUSED, -42, \
	    "the display could not reach the patch URL's server") \
	X(URL_TOO_BIG, -43, \
	    "the patch at that URL is larger than this display accepts") \
	X(URL_TIMEOUT, -44, "downloading the patch URL timed out") \
	X(URL_FAILED, -45, "downloading the patch URL failed") \
	X(PATCH_CORRUPT, -50, "the patch is corrupt") \
	X(PATCH_WRONG_BASE, -51, \
	    "the patch was made for a different base VM than this display has") \
	X(PATCH_WRONG_KIND, -52, \
	    "the patch is for a different kind of base (VM or workspace)") \
	X(PATCH_WRONG_QEMU, -53, \
	    "the patch was made with a different QEMU version or machine type") \
	X(PATCH_KEY, -54, \
	    "the patch is encrypted and the key is missing or wrong") \
	X(FLOPPY_BAD, -55, "the floppy image is not a usable FAT disk image") \
	X(PATCH_UNSAFE, -56, \
	    "the patch holds something a display does not run (a device, a set-uid file, a link or disk image naming files outside it)") \
	X(SETUP_FAILED, -60, "the display could not start your application") \
	X(SETUP_TIMEOUT, -61, \
	    "the display took too long to start your application") \
	X(NO_SESSION, -62, "no application session is running") \
	X(END_FAILED, -63, "the display could not end the session cleanly") \
	X(DISPLAY_DISK_FULL, -64, \
	    "the display's disk is full; tell the display's operator, then try again") \
	X(NO_USB, -70, "the display has no USB network link") \
	X(ATTACH_TOKEN, -72, \
	    "the disk's token is wrong, used or expired; nothing was attached") \
	X(ATTACH_FAILED, -73, \
	    "the display could not attach your disk to the application") \
	X(ATTACH_MAX, -74, \
	    "no more disks can be attached to this session (4 at most)") \
	X(LINK, -90, "the connection to the display was lost") \
	X(LOCAL_IO, -91, "a local file could not be read or written") \
	X(LOCAL_FULL, -92, "a disk on this computer is full") \
	X(INTERNAL, -99, "internal error on the display")

enum kim_error {
#define KIM_X_ENUM(sym, code, text) KIM_E_##sym = (code),
	KIM_ERROR_TABLE(KIM_X_ENUM)
#undef KIM_X_ENUM
};

/* The sentence for a code; a generic sentence for unknown codes. */
const char *kim_strerror(int code);
/* The symbolic name ("BUSY") for a code, or NULL. */
const char *kim_error_name(int code);
/* The code for a symbolic name (with or without "KIM_E_"), or KIM_E_INTERNAL. */
int kim_error_by_name(const char *name);

#endif
