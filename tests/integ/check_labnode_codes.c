/* labnode's REST answers where nwaku v0.36.0 has its own codes (images/labnode/README.md,
 * "REST"): a message without payload and a publish on an unsubscribed pubsub topic are 400
 * (waku/waku_api/rest/relay/handlers.nim), a store query without a store peer is 412
 * text/plain (rest/store/handlers.nim, responses.nim preconditionFailed), a pageSize over 100
 * is clamped (waku_archive/archive.nim). One relay labnode and one service labnode on
 * loopback. */
#include "common/fltime.h"

#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t lc_pids[2];
static int lc_base;

struct lc_reply {
	long status;
	char type[64];
	char body[4096];
	size_t len;
};

static size_t lc_write(char *p, size_t size, size_t n, void *ud)
{
	struct lc_reply *r = ud;
	size_t k = size * n;

	if (r->len + k >= sizeof(r->body))
		k = sizeof(r->body) - 1 - r->len;
	memcpy(r->body + r->len, p, k);
	r->len += k;
	r->body[r->len] = '\0';
	return size * n;
}

/* method to http://127.0.0.1:port<path> (body NULL: no body); 0 when an answer came. */
static int lc_req(int port, const char *method, const char *path, const char *body,
		  struct lc_reply *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char url[512];
	char *ct = NULL;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, lc_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	snprintf(r->type, sizeof(r->type), "%s", ct ? ct : "");
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

static pid_t lc_start(const char *role, int rest, int listen)
{
	char r[32], l[32];
	pid_t pid;

	snprintf(r, sizeof(r), "127.0.0.1:%d", rest);
	snprintf(l, sizeof(l), "127.0.0.1:%d", listen);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execl("build/labnode", "labnode", "--name", role, "--role", role, "--rest", r,
		      "--listen", l, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		struct lc_reply rep;

		if (lc_req(rest, "GET", "/health", NULL, &rep) == 0 && rep.status == 200)
			return pid;
		fltime_sleep_ms(50);
	}
	ck_abort_msg("labnode %s never answered /health", role);
	return -1;
}

static void lc_setup(void)
{
	lc_base = 17000 + (int)(getpid() % 500) * 4;
	lc_pids[0] = lc_start("relay", lc_base, lc_base + 1);
	lc_pids[1] = lc_start("service", lc_base + 2, lc_base + 3);
}

static void lc_teardown(void)
{
	for (int i = 0; i < 2; i++)
		if (lc_pids[i] > 0) {
			kill(lc_pids[i], SIGKILL);
			waitpid(lc_pids[i], NULL, 0);
		}
}

START_TEST(relay_codes)
{
	struct lc_reply r;

	ck_assert_int_eq(lc_req(lc_base, "POST", "/relay/v1/auto/messages",
				"{\"contentTopic\":\"/faultlab/1/relay/proto\"}", &r),
			 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "payload"));
	ck_assert_int_eq(
	    lc_req(lc_base, "POST", "/relay/v1/auto/messages", "{\"payload\":\"aGk=\"}", &r), 0);
	ck_assert_int_eq(r.status, 400); /* no contentTopic */
	ck_assert_int_eq(lc_req(lc_base, "POST", "/relay/v1/messages/%2Fwaku%2F2%2Frs%2F9%2F9",
				"{\"payload\":\"aGk=\",\"contentTopic\":\"/a/1/b/proto\"}", &r),
			 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "Node not subscribed to topic: /waku/2/rs/9/9"));
	/* subscribed: accepted */
	ck_assert_int_eq(
	    lc_req(lc_base, "POST", "/relay/v1/subscriptions", "[\"/waku/2/rs/9/9\"]", &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(lc_req(lc_base, "POST", "/relay/v1/messages/%2Fwaku%2F2%2Frs%2F9%2F9",
				"{\"payload\":\"aGk=\",\"contentTopic\":\"/a/1/b/proto\"}", &r),
			 0);
	ck_assert_int_eq(r.status, 200);
}
END_TEST

START_TEST(store_codes)
{
	struct lc_reply r;

	/* a relay node with no store peer */
	ck_assert_int_eq(lc_req(lc_base, "GET", "/store/v3/messages?pageSize=20", NULL, &r), 0);
	ck_assert_int_eq(r.status, 412);
	ck_assert_ptr_nonnull(strstr(r.type, "text/plain"));
	ck_assert_str_eq(r.body, "No suitable service peer & no discovery method");
	/* a service node: pageSize 500 is clamped, not refused */
	ck_assert_int_eq(lc_req(lc_base + 2, "GET", "/store/v3/messages?pageSize=500", NULL, &r),
			 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"statusCode\":200"));
}
END_TEST

Suite *labnode_codes_suite(void)
{
	Suite *s = suite_create("labnode_codes");
	TCase *t = tcase_create("rest");

	tcase_add_checked_fixture(t, lc_setup, lc_teardown);
	tcase_add_test(t, relay_codes);
	tcase_add_test(t, store_codes);
	suite_add_tcase(s, t);
	return s;
}
