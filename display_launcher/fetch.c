/* fetch.c -- download a patch URL with libcurl, with limits. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "errors.h"
#include "fetch.h"
#include "log.h"
#include "patchcache.h"
#include "sha256.h"
#include "urlpolicy.h"

/* What the person is told for every failure to get a connection with an
 * HTTP answer: a refused destination, a closed port, a host that does not
 * resolve, a connection closed without a reply.  One sentence for all, so
 * that URLs cannot map what the display can reach (the log has the
 * difference). */
#define UNREACHABLE \
	"the server is down, does not answer HTTP, or is not " \
	"an address this display fetches from"

struct sink {
	FILE *out;
	uint64_t got, max;
	int too_big;
	const struct url_net *allow;
	size_t nallow;
	const char *refused; /* why a destination was refused, or NULL */
	char refused_addr[INET6_ADDRSTRLEN];
};

/* libcurl's socket for every connection it makes (every address tried,
 * every redirect hop): refuse destinations outside the policy before a
 * packet leaves. */
static curl_socket_t
open_checked(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct sink *k = arg;
	struct ifaddrs *own = NULL;
	const char *why;
	const void *ip;

	if (purpose != CURLSOCKTYPE_IPCXN)
		why = "not a plain connection";
	else {
		if (getifaddrs(&own) != 0)
			own = NULL;
		why = url_addr_refused(&a->addr, k->allow, k->nallow, own);
		if (own)
			freeifaddrs(own);
	}
	if (why == NULL)
		return socket(
		    a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	k->refused = why;
	ip = a->family == AF_INET6
	    ? (const void *)&((struct sockaddr_in6 *)&a->addr)->sin6_addr
	    : (const void *)&((struct sockaddr_in *)&a->addr)->sin_addr;
	if (inet_ntop(a->family, ip, k->refused_addr,
		sizeof(k->refused_addr)) == NULL)
		snprintf(k->refused_addr, sizeof(k->refused_addr), "?");
	kim_log("fetch", "refused destination %s: %s (see --url-allow)",
	    k->refused_addr, why);
	return CURL_SOCKET_BAD;
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sink *k = arg;
	size_t n = size * nmemb;

	if (k->got + n > k->max) { /* no Content-Length, or it lied */
		k->too_big = 1;
		return 0;
	}
	k->got += n;
	return fwrite(ptr, 1, n, k->out);
}

int
fetch_url(const char *url, const char *path, uint64_t max_bytes, int timeout_s,
    const struct url_net *allow, size_t nallow, char *why, size_t whylen)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink k = { NULL, 0, max_bytes, 0, allow, nallow, NULL, "" };
	long http = 0;
	unsigned char pin[KIM_SHA256_BYTES], got[KIM_SHA256_BYTES];
	const char *frag = strchr(url, '#');
	int pinned = 0;
	CURLcode cc;
	CURL *h;
	int rc, fd;

	/* URL#sha256=HEX: the mobile pinned the patch's bytes (curl never
	 * sends a fragment; docs/repository.md) */
	if (frag && strncmp(frag, "#sha256=", 8) == 0) {
		if (kim_sha256_unhex(frag + 8, pin) != 0) {
			snprintf(why, whylen,
			    "the URL's #sha256= is not 64 hex digits");
			return KIM_E_URL_BAD;
		}
		pinned = 1;
		if (patchcache_get(pin, path)) {
			struct stat st; /* the limit of today, not of then */
			if (stat(path, &st) == 0 &&
			    (uint64_t)st.st_size <= max_bytes)
				return 0;
			unlink(path);
		}
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (k.out = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		snprintf(why, whylen, "cannot create the download file");
		return KIM_E_IO;
	}
	h = curl_easy_init();
	if (h == NULL) {
		fclose(k.out);
		unlink(path);
		snprintf(why, whylen, "libcurl failed to start");
		return KIM_E_URL_FAILED;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout_s);
	curl_easy_setopt(
	    h, CURLOPT_CONNECTTIMEOUT, (long)(timeout_s < 15 ? timeout_s : 15));
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_bytes);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "kimberley-display/1");
	/* every connection goes through the destination check; no proxy from
	 * the environment (it would connect for us, unchecked) */
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &k);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_cleanup(h);
	if (fclose(k.out) != 0 && cc == CURLE_OK)
		cc = CURLE_WRITE_ERROR;

	if (k.too_big) /* our own limit, when there was no Content-Length */
		cc = CURLE_FILESIZE_EXCEEDED;
	switch (cc) {
	case CURLE_OK:
		kim_log("fetch", "url=%s bytes=%llu", url,
		    (unsigned long long)k.got);
		if (!pinned)
			return 0;
		if (kim_sha256_file(path, got) == 0 &&
		    memcmp(got, pin, sizeof(pin)) == 0) {
			patchcache_put(pin, path);
			return 0;
		}
		rc = KIM_E_PATCH_CORRUPT;
		snprintf(why, whylen,
		    "the file at %.1000s is not the patch the "
		    "mobile asked for (its SHA-256 differs from the one pinned)",
		    url);
		break;
	case CURLE_HTTP_RETURNED_ERROR:
		/* the code's sentence names a 404 already: say it once */
		rc = http == 404 ? KIM_E_URL_NOT_FOUND : KIM_E_URL_FAILED;
		if (http == 404)
			snprintf(why, whylen, "%s", url);
		else
			snprintf(why, whylen,
			    "the server answered HTTP %ld for %s", http, url);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
		rc = KIM_E_URL_REFUSED;
		snprintf(why, whylen, "%s", UNREACHABLE);
		kim_log("fetch", "url=%s unreachable: %s", url,
		    k.refused	    ? "destination refused"
			: errbuf[0] ? errbuf
				    : curl_easy_strerror(cc));
		break;
	case CURLE_FILESIZE_EXCEEDED:
		rc = KIM_E_URL_TOO_BIG;
		snprintf(why, whylen,
		    "the patch at %s is larger than %llu bytes", url,
		    (unsigned long long)max_bytes);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		rc = KIM_E_URL_TIMEOUT;
		snprintf(why, whylen, "downloading %s took longer than %d s",
		    url, timeout_s);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		rc = KIM_E_URL_BAD;
		snprintf(why, whylen,
		    "only http:// and https:// patch URLs are accepted");
		break;
	default:
		rc = KIM_E_URL_FAILED;
		snprintf(why, whylen, "downloading %s failed: %s", url,
		    errbuf[0] ? errbuf : curl_easy_strerror(cc));
		break;
	}
	kim_log("fetch", "url=%s failed code=%d: %s", url, rc, why);
	unlink(path);
	return rc;
}
