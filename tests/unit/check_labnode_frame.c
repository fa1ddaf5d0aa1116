/* labnode's wire framing: round trips, partial input, and malformed frames. */
#include "images/labnode/ln_backoff.h"
#include "images/labnode/ln_frame.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static struct ln_frame f;

static void build_relay(struct ln_buf *b, const char *text)
{
	struct ln_msg m = {0};

	snprintf(m.content_topic, sizeof(m.content_topic), "/app/1/chat/proto");
	m.timestamp = 123456789;
	m.meta_len = 3;
	memcpy(m.meta, "abc", 3);
	ln_msg_set_payload(&m, text, strlen(text));
	size_t mk = ln_frame_begin(b, LN_F_RELAY);
	ln_frame_put_msg(b, "/waku/2/x", &m);
	ln_frame_end(b, mk);
	ln_msg_free(&m);
}

START_TEST(test_roundtrip)
{
	struct ln_buf b = {0};
	struct fl_error err;
	struct ln_msg m;
	char pubsub[LN_TOPIC_MAX];
	size_t used;

	build_relay(&b, "hello");
	build_relay(&b, "world");
	ck_assert_int_eq(ln_frame_parse(b.data, b.len, &f, &used, &err), 1);
	ck_assert_int_eq(f.type, LN_F_RELAY);
	ck_assert_int_eq(ln_frame_get_msg(f.f, f.n, pubsub, &m, &err), 0);
	ck_assert_str_eq(pubsub, "/waku/2/x");
	ck_assert_str_eq(m.content_topic, "/app/1/chat/proto");
	ck_assert_int_eq(m.timestamp, 123456789);
	ck_assert_int_eq(m.payload_len, 5);
	ck_assert_mem_eq(m.payload, "hello", 5);
	ck_assert_int_eq(m.meta_len, 3);
	ln_msg_free(&m);
	/* the second frame follows right after the first */
	ck_assert_int_eq(ln_frame_parse(b.data + used, b.len - used, &f, &used, &err), 1);
	ck_assert_int_eq(ln_frame_get_msg(f.f, f.n, pubsub, &m, &err), 0);
	ck_assert_mem_eq(m.payload, "world", 5);
	ln_msg_free(&m);
	ln_buf_free(&b);
}
END_TEST

/* Every strict prefix of a frame asks for more bytes, never errors or reads past it. */
START_TEST(test_partial)
{
	struct ln_buf b = {0};
	struct fl_error err;
	size_t used;

	build_relay(&b, "partial");
	for (size_t n = 0; n < b.len; n++)
		ck_assert_int_eq(ln_frame_parse(b.data, n, &f, &used, &err), 0);
	ck_assert_int_eq(ln_frame_parse(b.data, b.len, &f, &used, &err), 1);
	ck_assert_uint_eq(used, b.len);
	ln_buf_free(&b);
}
END_TEST

struct bad_case {
	const char *bytes;
	size_t len;
	const char *msg;
};

static const struct bad_case bad[] = {
    {"\x00\x00\x00\x01\x01", 5, "frame body of 1 bytes is too short"},
    {"\x7f\xff\xff\xff", 4, "exceeds"},
    {"\x00\x00\x00\x02\x09\x02", 6, "unsupported protocol version 9 (want 1)"},
    {"\x00\x00\x00\x02\x01\x63", 6, "unknown frame type 99"},
    {"\x00\x00\x00\x05\x01\x02\x01\x00\x00", 9, "truncated field header"},
    {"\x00\x00\x00\x07\x01\x02\x01\x00\x00\x00\x09", 11, "overruns its frame"},
};

START_TEST(test_malformed)
{
	struct fl_error err = {0};
	size_t used;

	ck_assert_int_eq(
	    ln_frame_parse((const uint8_t *)bad[_i].bytes, bad[_i].len, &f, &used, &err), -1);
	ck_assert_msg(strstr(err.msg, bad[_i].msg), "got \"%s\"", err.msg);
}
END_TEST

/* A relay frame without a timestamp, or with an oversized meta, is refused. */
START_TEST(test_bad_message_fields)
{
	struct ln_buf b = {0};
	struct fl_error err;
	struct ln_msg m;
	char pubsub[LN_TOPIC_MAX], meta[65] = {0};
	size_t used;

	size_t mk = ln_frame_begin(&b, LN_F_RELAY);
	ln_frame_put_str(&b, LN_T_PUBSUB, "/p");
	ln_frame_put_str(&b, LN_T_CTOPIC, "/c");
	ln_frame_end(&b, mk);
	ck_assert_int_eq(ln_frame_parse(b.data, b.len, &f, &used, &err), 1);
	ck_assert_int_eq(ln_frame_get_msg(f.f, f.n, pubsub, &m, &err), -1);
	ck_assert_str_eq(err.msg, "missing field 5");
	b.len = 0;
	mk = ln_frame_begin(&b, LN_F_RELAY);
	ln_frame_put_str(&b, LN_T_PUBSUB, "/p");
	ln_frame_put_str(&b, LN_T_CTOPIC, "/c");
	ln_frame_put_u64(&b, LN_T_TIMESTAMP, 1);
	ln_frame_put(&b, LN_T_META, meta, 65);
	ln_frame_end(&b, mk);
	ck_assert_int_eq(ln_frame_parse(b.data, b.len, &f, &used, &err), 1);
	ck_assert_int_eq(ln_frame_get_msg(f.f, f.n, pubsub, &m, &err), -1);
	ck_assert_str_eq(err.msg, "meta of 65 bytes exceeds 64");
	ln_buf_free(&b);
}
END_TEST

/* The dialer's schedule: attempt n waits base·2^(n−1) ±20%, never more than max. */
START_TEST(test_backoff_schedule)
{
	struct rng r;

	rng_seed(&r, 7);
	ck_assert_int_eq(ln_backoff_delay_ms(1000, 60000, 0, &r), 0);
	for (int k = 0; k < 200; k++) {
		for (unsigned n = 1; n <= 12; n++) {
			int64_t d = ln_backoff_delay_ms(1000, 60000, n, &r);
			double nominal = 1000.0 * (double)(1u << (n - 1));
			ck_assert_int_le(d, 60000);
			if (nominal * 1.2 <= 60000) {
				ck_assert_int_ge(d, (int64_t)(nominal * 0.8));
				ck_assert_int_le(d, (int64_t)(nominal * 1.2));
			} else {
				ck_assert_int_ge(d, 48000); /* capped region: 0.8·max at least */
			}
		}
	}
	/* jitter really varies */
	int64_t a = ln_backoff_delay_ms(1000, 60000, 3, &r), same = 1;
	for (int k = 0; k < 10; k++)
		same &= ln_backoff_delay_ms(1000, 60000, 3, &r) == a;
	ck_assert_int_eq(same, 0);
}
END_TEST

Suite *labnode_frame_suite(void)
{
	Suite *s = suite_create("labnode_frame");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_partial);
	tcase_add_loop_test(tc, test_malformed, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_bad_message_fields);
	tcase_add_test(tc, test_backoff_schedule);
	suite_add_tcase(s, tc);
	return s;
}
