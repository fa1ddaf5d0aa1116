/* The drivers' HTTP helper (libcurl easy, synchronous, bounded) and small pure helpers
 * shared by the backends. */
#include "orchestrator/drivers/driver.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct driver_http_buf {
	char *data;
	size_t len, cap;
};

static size_t driver_http_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct driver_http_buf *b = userdata;
	size_t n = size * nmemb;

	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096);

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = fl_xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static curl_socket_t driver_http_opensocket(void *clientp, curlsocktype purpose,
					    struct curl_sockaddr *addr)
{
	struct driver_node *n = clientp;
	int fd = n->open_socket(n->socket_ctx, addr->family, addr->socktype, addr->protocol);

	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static int driver_http_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
				curl_off_t ultotal, curl_off_t ulnow)
{
	const struct driver_node *n = clientp;

	return n->cancel && *n->cancel;
}

FL_DEFINE_AUTO(CURL, curl_easy_cleanup)
FL_DEFINE_AUTO(struct curl_slist, curl_slist_free_all)

static void driver_http_setup(CURL *c, struct driver_node *n, const char *method, const char *url,
			      const char *json, struct curl_slist *hdrs, struct driver_http_buf *b)
{
	long timeout = n->timeout_ms > 0 ? n->timeout_ms : 2000;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, driver_http_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (json) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	}
	if (n->cancel) {
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, driver_http_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, n);
	}
	if (n->open_socket) {
		curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, driver_http_opensocket);
		curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, n);
	}
}

int driver_http(struct driver_node *n, const char *method, const char *path, const char *json,
		struct driver_http_reply *reply, struct fl_error *err)
{
	FL_AUTO(curl_easy_cleanup) CURL *c = curl_easy_init();
	FL_AUTO(curl_slist_free_all) struct curl_slist *hdrs = NULL;
	struct driver_http_buf b = {0};
	char url[512];
	CURLcode rc;

	memset(reply, 0, sizeof(*reply));
	if (!c)
		return fl_err(err, "curl_easy_init failed");
	snprintf(url, sizeof(url), "http://%s:%d%s", n->host[0] ? n->host : n->address,
		 n->rest_port ? n->rest_port : 8645, path);
	hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	driver_http_setup(c, n, method, url, json, hdrs, &b);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		free(b.data);
		return fl_err(err, "%s %s: %s", method, url, curl_easy_strerror(rc));
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply->status);
	reply->body = b.data ? b.data : fl_xstrdup("");
	reply->len = b.len;
	return 0;
}

int driver_http_post(struct driver_node *n, const char *path, const char *json, const char *what,
		     struct fl_error *err)
{
	struct driver_http_reply r;

	if (driver_http(n, "POST", path, json, &r, err) < 0)
		return -1;
	free(r.body);
	if (r.status >= 300)
		return fl_err(err, "%s: %s: HTTP %ld", n->name, what, r.status);
	return 0;
}

static int driver_b64_val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+' || ch == '-')
		return 62;
	if (ch == '/' || ch == '_')
		return 63;
	return -1;
}

/* Decodes standard or URL-safe base64 (padding optional). Returns the byte count or -1. */
static int driver_b64_decode(const char *in, unsigned char *out, size_t cap)
{
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;

	for (; *in && *in != '='; in++) {
		int v = driver_b64_val((unsigned char)*in);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	return (int)n;
}

int driver_hash_normalise(const char *in, char *out, size_t len)
{
	unsigned char raw[64];
	int n;

	if (!in || len < 3)
		return -1;
	if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) {
		size_t l = strlen(in);

		if (l < 3 || l + 1 > len)
			return -1;
		for (size_t i = 2; i < l; i++)
			if (!isxdigit((unsigned char)in[i]))
				return -1;
		for (size_t i = 0; i <= l; i++)
			out[i] = (char)tolower((unsigned char)in[i]);
		return 0;
	}
	n = driver_b64_decode(in, raw, sizeof(raw));
	if (n != 32 || len < 2 + 64 + 1)
		return -1;
	out[0] = '0';
	out[1] = 'x';
	for (int i = 0; i < n; i++)
		snprintf(out + 2 + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

int driver_key_from_log(const char *log_path, long from, char *key, size_t len)
{
	static const char marker[] = "messenger started, public key: ";
	cleanup_fclose FILE *f = fopen(log_path, "r");
	char line[4096];
	int found = -1;

	if (!f || (from > 0 && fseek(f, from, SEEK_SET) < 0))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, marker);
		size_t n;

		if (!p)
			continue;
		p += sizeof(marker) - 1;
		n = strspn(p, "0123456789abcdefABCDEFx");
		if (n < 3 || n + 1 > len)
			continue;
		memcpy(key, p, n); /* the last start's key wins */
		key[n] = '\0';
		found = 0;
	}
	return found;
}

int driver_log_has(const char *log_path, long from, const char *marker)
{
	cleanup_fclose FILE *f = fopen(log_path, "r");
	char line[4096];

	if (!f || (from > 0 && fseek(f, from, SEEK_SET) < 0))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, marker))
			return 1;
	return 0;
}
