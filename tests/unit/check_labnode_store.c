/* labnode's SQLite store: filters, cursor pagination in both directions, retention and
 * persistence across reopen. */
#include "images/labnode/ln_store.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct ln_store_page page;
static struct ln_store_query q;

/* Stores n messages at ts = 1000·(i+1), topics alternating /a and /b. */
static void fill(struct ln_store *s, int n, uint8_t hashes[][LN_HASH_LEN])
{
	struct fl_error err;

	for (int i = 0; i < n; i++) {
		struct ln_msg m = {0};
		char text[32];
		snprintf(m.content_topic, sizeof(m.content_topic), i % 2 ? "/b" : "/a");
		m.timestamp = 1000 * (i + 1);
		snprintf(text, sizeof(text), "msg %d", i);
		ln_msg_set_payload(&m, text, strlen(text));
		ln_msg_hash("/p", &m, hashes[i]);
		ck_assert_int_eq(ln_store_put(s, "/p", &m, hashes[i], &err), 1);
		ck_assert_int_eq(ln_store_put(s, "/p", &m, hashes[i], &err), 0); /* once only */
		ln_msg_free(&m);
	}
}

START_TEST(test_pagination)
{
	struct fl_error err;
	struct ln_store *s = ln_store_open(":memory:", 0, &err);
	static uint8_t h[250][LN_HASH_LEN];
	int seen = 0, pages = 0;
	int64_t last = 0;

	ck_assert_ptr_nonnull(s);
	fill(s, 250, h);
	memset(&q, 0, sizeof(q));
	q.ascending = 1;
	q.page_size = 100;
	q.include_data = 1;
	do {
		ck_assert_int_eq(ln_store_query(s, &q, &page, &err), 0);
		for (int i = 0; i < page.n; i++) {
			ck_assert_int_gt(page.e[i].msg.timestamp, last);
			last = page.e[i].msg.timestamp;
			ck_assert_mem_eq(page.e[i].hash, h[seen], LN_HASH_LEN);
			ck_assert_int_gt(page.e[i].msg.payload_len, 0);
			seen++;
		}
		memcpy(q.cursor, page.cursor, LN_HASH_LEN);
		q.has_cursor = page.has_cursor;
		pages++;
		ln_store_page_free(&page);
	} while (q.has_cursor);
	ck_assert_int_eq(seen, 250);
	ck_assert_int_eq(pages, 3);
	/* a page size over 100 is clamped to 100 */
	q.has_cursor = 0;
	q.page_size = 500;
	ck_assert_int_eq(ln_store_query(s, &q, &page, &err), 0);
	ck_assert_int_eq(page.n, 100);
	ln_store_page_free(&page);
	ln_store_close(s);
}
END_TEST

START_TEST(test_filters)
{
	struct fl_error err;
	struct ln_store *s = ln_store_open(":memory:", 0, &err);
	static uint8_t h[20][LN_HASH_LEN];

	fill(s, 20, h);
	memset(&q, 0, sizeof(q));
	q.ascending = 1;
	snprintf(q.ctopics[0], LN_TOPIC_MAX, "/b");
	q.n_ctopics = 1;
	q.start_ns = 4000; /* i = 3.. */
	q.end_ns = 10000;  /* ..i = 9 → /b at i = 3, 5, 7, 9 */
	ck_assert_int_eq(ln_store_query(s, &q, &page, &err), 0);
	ck_assert_int_eq(page.n, 4);
	ck_assert_int_eq(page.e[0].msg.timestamp, 4000);
	ck_assert_int_eq(page.e[3].msg.timestamp, 10000);
	ck_assert_int_eq(page.e[0].msg.payload_len, 0); /* includeData false */
	ck_assert_int_eq(page.has_cursor, 0);
	ln_store_page_free(&page);
	/* by hashes, descending */
	memset(&q, 0, sizeof(q));
	memcpy(q.hashes[0], h[2], LN_HASH_LEN);
	memcpy(q.hashes[1], h[17], LN_HASH_LEN);
	q.n_hashes = 2;
	ck_assert_int_eq(ln_store_query(s, &q, &page, &err), 0);
	ck_assert_int_eq(page.n, 2);
	ck_assert_mem_eq(page.e[0].hash, h[17], LN_HASH_LEN);
	ck_assert_mem_eq(page.e[1].hash, h[2], LN_HASH_LEN);
	ck_assert_str_eq(page.e[0].pubsub, "/p");
	ln_store_page_free(&page);
	/* an unknown cursor is an error */
	memset(&q, 0, sizeof(q));
	q.has_cursor = 1;
	ck_assert_int_eq(ln_store_query(s, &q, &page, &err), -1);
	ck_assert_str_eq(err.msg, "unknown cursor");
	ln_store_close(s);
}
END_TEST

START_TEST(test_retention_and_reopen)
{
	struct fl_error err;
	char path[64];
	static uint8_t h[300][LN_HASH_LEN];
	struct ln_store *s;

	snprintf(path, sizeof(path), "/tmp/labnode-store-%d.db", (int)getpid());
	unlink(path);
	s = ln_store_open(path, 100, &err);
	ck_assert_ptr_nonnull(s);
	fill(s, 300, h);
	ck_assert_int_le(ln_store_count(s), 110);
	ck_assert_int_ge(ln_store_count(s), 100);
	ln_store_close(s);
	s = ln_store_open(path, 100, &err);
	ck_assert_ptr_nonnull(s);
	memset(&q, 0, sizeof(q));
	memcpy(q.hashes[0], h[299], LN_HASH_LEN); /* newest kept */
	memcpy(q.hashes[1], h[0], LN_HASH_LEN);	  /* oldest dropped */
	q.n_hashes = 2;
	ck_assert_int_eq(ln_store_query(s, &q, &page, &err), 0);
	ck_assert_int_eq(page.n, 1);
	ck_assert_mem_eq(page.e[0].hash, h[299], LN_HASH_LEN);
	ln_store_page_free(&page);
	ln_store_close(s);
	unlink(path);
	char wal[80];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
}
END_TEST

Suite *labnode_store_suite(void)
{
	Suite *s = suite_create("labnode_store");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_pagination);
	tcase_add_test(tc, test_filters);
	tcase_add_test(tc, test_retention_and_reopen);
	suite_add_tcase(s, tc);
	return s;
}
