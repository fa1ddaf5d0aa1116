/* labnode's message hash against the four vectors of docs/LABNODE.md (14/WAKU2-MESSAGE), its JSON
 * form, and the relay seen cache. */
#include "images/labnode/ln_buf.h"
#include "images/labnode/ln_json.h"
#include "images/labnode/ln_msg.h"
#include "images/labnode/ln_seen.h"
#include "images/labnode/ln_sha256.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

struct vec {
	const char *payload, *meta, *hash;
};

static const struct vec vecs[] = {
    {"010203045445535405060708", "73757065722d736563726574",
     "0x64cce733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05"},
    {"010203045445535405060708", "META64",
     "0x7158b6498753313368b9af8f6e0a0a05104f68f972981da42a43bc53fb0c1b27"},
    {"010203045445535405060708", NULL,
     "0xa2554498b31f5bcdfcbf7fa58ad1c2d45f0254f3f8110a85588ec3cf10720fd8"},
    {"", "73757065722d736563726574",
     "0x483ea950cb63f9b9d6926b262bb36194d3f40a0463ce8446228350bd44e96de4"},
};

static void vec_msg(const struct vec *v, struct ln_msg *m)
{
	uint8_t buf[64];
	long n;

	memset(m, 0, sizeof(*m));
	snprintf(m->content_topic, sizeof(m->content_topic), "/waku/2/default-content/proto");
	m->timestamp = 0x175789bfa23f8400;
	n = ln_buf_unhex(v->payload, buf, sizeof(buf));
	ck_assert_int_ge(n, 0);
	ln_msg_set_payload(m, buf, (size_t)n);
	if (v->meta && !strcmp(v->meta, "META64")) {
		for (int i = 0; i < 64; i++)
			m->meta[i] = (uint8_t)i;
		m->meta_len = 64;
	} else if (v->meta) {
		m->meta_len = (size_t)ln_buf_unhex(v->meta, m->meta, sizeof(m->meta));
	}
}

START_TEST(test_hash_vectors)
{
	struct ln_msg m;
	uint8_t h[LN_HASH_LEN];
	char hex[67];

	vec_msg(&vecs[_i], &m);
	ln_msg_hash("/waku/2/default-waku/proto", &m, h);
	ln_msg_hash_hex(h, hex);
	ck_assert_str_eq(hex, vecs[_i].hash);
	ln_msg_free(&m);
}
END_TEST

/* The vector survives a trip through nwaku's JSON shape (base64 payload and meta). */
START_TEST(test_json_roundtrip)
{
	struct ln_msg m, back;
	struct fl_error err;
	uint8_t h1[LN_HASH_LEN], h2[LN_HASH_LEN];
	json_t *j;

	vec_msg(&vecs[_i], &m);
	j = ln_json_msg(&m);
	ck_assert_int_eq(ln_json_to_msg(j, &back, &err), 0);
	ln_msg_hash("/waku/2/default-waku/proto", &m, h1);
	ln_msg_hash("/waku/2/default-waku/proto", &back, h2);
	ck_assert_mem_eq(h1, h2, LN_HASH_LEN);
	json_decref(j);
	ln_msg_free(&m);
	ln_msg_free(&back);
}
END_TEST

START_TEST(test_json_rejects)
{
	static const char *bad[] = {
	    "{}",
	    "{\"contentTopic\":\"\"}",
	    "{\"contentTopic\":\"/a\",\"payload\":\"***\"}",
	    "{\"contentTopic\":\"/a\",\"timestamp\":\"x\"}",
	    "{\"contentTopic\":\"/a\",\"meta\":\"" /* 66 bytes of meta */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AA\"}",
	    "[1]",
	};
	struct fl_error err;
	struct ln_msg m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = json_loads(bad[i], 0, NULL);
		ck_assert_ptr_nonnull(j);
		ck_assert_msg(ln_json_to_msg(j, &m, &err) < 0, "accepted %s", bad[i]);
		json_decref(j);
	}
}
END_TEST

START_TEST(test_seen_dedup_and_expiry)
{
	struct ln_seen s;
	uint8_t h[LN_HASH_LEN] = {0};

	ln_seen_init(&s, 1000, 0);
	for (int i = 0; i < 5000; i++) {
		memcpy(h, &i, sizeof(i));
		h[31] = (uint8_t)i;
		ck_assert_int_eq(ln_seen_check_add(&s, h, 10), 0);
	}
	ck_assert_int_eq(ln_seen_count(&s), 5000);
	memset(h, 0, sizeof(h));
	ck_assert_int_eq(ln_seen_check_add(&s, h, 20), 1);  /* i = 0 again: a duplicate */
	ck_assert_int_eq(ln_seen_check_add(&s, h, 600), 1); /* still there after ttl/2 */
	ck_assert_int_eq(ln_seen_contains(&s, h, 2200), 0); /* gone after ttl */
	ln_seen_free(&s);
}
END_TEST

/* FIPS 180-4 examples, and a long input fed in odd-sized pieces. */
START_TEST(test_sha256_known)
{
	static const struct {
		const char *in, *hex;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	uint8_t h[32];
	char hex[65];
	struct ln_sha256 c;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ln_sha256(v[i].in, strlen(v[i].in), h);
		ln_buf_hex(h, 32, hex);
		ck_assert_str_eq(hex, v[i].hex);
	}
	ln_sha256_init(&c); /* a million 'a', in pieces of 7 */
	for (int i = 0; i < 1000000; i += 7)
		ln_sha256_update(&c, "aaaaaaa", 1000000 - i < 7 ? (size_t)(1000000 - i) : 7);
	ln_sha256_final(&c, h);
	ln_buf_hex(h, 32, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(test_base64)
{
	static const char *bad[] = {"A", "AB=C", "A===", "AB*D", "=AAA", "AA==AAAA"};
	uint8_t out[8];
	char *e;

	for (size_t n = 0; n <= 5; n++) {
		e = ln_json_b64((const uint8_t *)"hello", n);
		ck_assert_int_eq(strlen(e), 4 * ((n + 2) / 3));
		ck_assert_int_eq(ln_json_unb64(e, out, sizeof(out)), (long)n);
		ck_assert_mem_eq(out, "hello", n);
		free(e);
	}
	ck_assert_int_eq(ln_json_unb64("aGVsbG8=", out, 4), -1); /* 5 bytes do not fit 4 */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ln_json_unb64(bad[i], out, sizeof(out)) == -1, "accepted %s", bad[i]);
}
END_TEST

Suite *labnode_msg_suite(void)
{
	Suite *s = suite_create("labnode_msg");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_hash_vectors, 0, 4);
	tcase_add_loop_test(tc, test_json_roundtrip, 0, 4);
	tcase_add_test(tc, test_json_rejects);
	tcase_add_test(tc, test_seen_dedup_and_expiry);
	tcase_add_test(tc, test_sha256_known);
	tcase_add_test(tc, test_base64);
	suite_add_tcase(s, tc);
	return s;
}
