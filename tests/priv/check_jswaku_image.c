/* `make image-jswaku` (tools/image-jswaku): the image built from the host's node binary and
 * images/jswaku/node_modules runs two js-waku nodes that relay a message, followed by its
 * labnode-computed hash in the receiver's docker logs. The containers share one network
 * namespace (--network none, then container:), so nothing changes on the host's network.
 * Skips, saying why, without node_modules or a docker daemon. */
#include "images/labnode/ln_msg.h"

#include "tests/util_test.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JI_TAG "faultlab/jswaku-check:latest"

static char ca[48], cb[48];

static char *ji_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *ji_sh(const char *fmt, ...)
{
	static char buf[1 << 16];
	char cmd[2048];
	va_list ap;
	FILE *f;
	size_t n = 0;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		pclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* An HTTP request made inside container a (node's fetch): "<status> <body>". */
static char *ji_http(const char *method, const char *url, const char *body)
{
	return ji_sh(
	    "docker exec %s /usr/bin/node -e 'fetch(process.argv[1], {method: "
	    "process.argv[2], body: process.argv[3] || undefined}).then(async r => "
	    "console.log(r.status, await r.text())).catch(e => console.log(0, e.message))' "
	    "'%s' %s '%s' 2>&1",
	    ca, url, method, body ? body : "");
}

static int ji_wait(const char *method, const char *url, const char *needle, int timeout_s)
{
	for (int i = 0; i < timeout_s * 4; i++) {
		if (strstr(ji_http(method, url, NULL), needle))
			return 1;
		usleep(250000);
	}
	return 0;
}

static int ji_ready(void)
{
	if (access("images/jswaku/node_modules/@waku/sdk/package.json", R_OK) != 0) {
		test_skip_at(__FILE__, "npm", "images/jswaku/node_modules is absent (tools/setup)");
		return 0;
	}
	if (system("docker version >/dev/null 2>&1") != 0 &&
	    system("tools/setup docker >/dev/null 2>&1") != 0) {
		test_skip_at(__FILE__, "docker", "no docker daemon (tools/setup docker failed)");
		return 0;
	}
	return 1;
}

/* In the runner (unchecked): the names outlive a failed test, whose containers go here. */
static void ji_setup(void)
{
	snprintf(ca, sizeof(ca), "fljsw-a-%d", (int)getpid());
	snprintf(cb, sizeof(cb), "fljsw-b-%d", (int)getpid());
}

static void ji_teardown(void)
{
	if (ca[0] || cb[0])
		ji_sh("docker rm -f %s %s >/dev/null 2>&1", cb, ca);
	ji_sh("docker image rm " JI_TAG " >/dev/null 2>&1");
}

START_TEST(test_image_relays_by_hash)
{
	const char *msg = "{\"payload\":\"aW4gYSBjb250YWluZXI=\",\"contentTopic\":"
			  "\"/faultlab/1/relay/proto\",\"timestamp\":1796000000000000001}";
	struct ln_msg m;
	uint8_t h[LN_HASH_LEN];
	char hex[67], needle[96];

	if (!ji_ready())
		return;
	ck_assert_msg(system("tools/image-jswaku " JI_TAG " >/dev/null") == 0,
		      "tools/image-jswaku failed");
	ji_sh("docker run -d --network none --name %s " JI_TAG " --name a --listen 127.0.0.1:60000"
	      " --rest 127.0.0.1:8645 --identity-seed 1 >/dev/null",
	      ca);
	ji_sh("docker run -d --network container:%s --name %s " JI_TAG " --name b --listen "
	      "127.0.0.1:60001 --rest 127.0.0.1:8646 --identity-seed 2 --peer 127.0.0.1:60000 "
	      ">/dev/null",
	      ca, cb);
	ck_assert_msg(
	    ji_wait("GET", "http://127.0.0.1:8645/health", "200 {\"nodeHealth\":\"Ready\"", 30) &&
		ji_wait("GET", "http://127.0.0.1:8646/health", "200 {\"nodeHealth\":\"Ready\"", 30),
	    "the containers are not Ready: %s", ji_sh("docker logs %s 2>&1 | tail -5", cb));
	ck_assert(strstr(ji_http("POST", "http://127.0.0.1:8646/relay/v1/auto/subscriptions",
				 "[\"/faultlab/1/relay/proto\"]"),
			 "200 OK"));
	ck_assert_msg(ji_wait("GET", "http://127.0.0.1:8645/admin/v1/peers/mesh", "\"peerId\"", 20),
		      "no relay mesh between the containers");
	ck_assert_msg(
	    strstr(ji_http("POST", "http://127.0.0.1:8645/relay/v1/auto/messages", msg), "200 OK"),
	    "publish refused");
	memset(&m, 0, sizeof(m));
	snprintf(m.content_topic, sizeof(m.content_topic), "/faultlab/1/relay/proto");
	m.timestamp = 1796000000000000001LL;
	ln_msg_set_payload(&m, "in a container", 14);
	ln_msg_hash("/waku/2/default-waku/proto", &m, h);
	ln_msg_hash_hex(h, hex);
	ln_msg_free(&m);
	snprintf(needle, sizeof(needle), "msg_hash=%s", hex);
	for (int i = 0; i < 40 && !strstr(ji_sh("docker logs %s 2>&1", cb), needle); i++)
		usleep(250000);
	ck_assert_msg(strstr(ji_sh("docker logs %s 2>&1", cb), needle),
		      "container b's traces have no %s", needle);
	ck_assert(strstr(ji_http("GET",
				 "http://127.0.0.1:8646/relay/v1/auto/messages/"
				 "%2Ffaultlab%2F1%2Frelay%2Fproto",
				 NULL),
			 "\"payload\":\"aW4gYSBjb250YWluZXI=\""));
}
END_TEST

Suite *jswaku_image_suite(void)
{
	Suite *s = suite_create("jswaku_image");
	TCase *tc = tcase_create("image");

	tcase_set_timeout(tc, 180);
	tcase_add_unchecked_fixture(tc, ji_setup, ji_teardown);
	tcase_add_test(tc, test_image_relays_by_hash);
	suite_add_tcase(s, tc);
	return s;
}
