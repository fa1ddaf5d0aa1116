/* The drain ledger: pairs settle on "received" at the recipient, on "failed" at the sender, and
 * when a recipient is gone; other lines and other nodes settle nothing. */
#include "orchestrator/run/drain.h"

#include <check.h>
#include <string.h>

static int feed(struct drain *d, uint32_t node, const char *line)
{
	return drain_line(d, node, line, strlen(line));
}

START_TEST(dm_settles_when_received)
{
	struct drain *d = drain_new(3);
	const uint32_t to[] = {1};

	drain_expect(d, "m1", 0, to, 1);
	ck_assert_uint_eq(drain_pending(d), 1);
	/* the sender's own "sent" line and another node's "received" settle nothing */
	ck_assert_int_eq(feed(d, 0, "{\"t_ms\":1,\"event\":\"sent\",\"text\":\"m1 xxxx\"}"), 0);
	ck_assert_int_eq(feed(d, 2, "{\"t_ms\":2,\"event\":\"received\",\"text\":\"m1 xxxx\"}"), 0);
	ck_assert_uint_eq(drain_pending(d), 1);
	ck_assert_int_eq(feed(d, 1,
			      "{\"t_ms\":3,\"event\":\"received\",\"id\":\"a1\",\"hash\":\"0x1\","
			      "\"kind\":\"dm\",\"peer\":\"a\",\"text\":\"m1 xxxx\"}"),
			 1);
	ck_assert_uint_eq(drain_pending(d), 0);
	/* a duplicate copy changes nothing */
	ck_assert_int_eq(feed(d, 1, "{\"event\":\"received\",\"text\":\"m1 xxxx\"}"), 0);
	ck_assert_uint_eq(drain_pending(d), 0);
	drain_free(d);
}
END_TEST

START_TEST(group_waits_for_every_member)
{
	struct drain *d = drain_new(4);
	const uint32_t to[] = {1, 2, 3};

	drain_expect(d, "m7", 0, to, 3);
	feed(d, 1, "{\"event\":\"received\",\"text\":\"m7 yy\"}");
	feed(d, 3, "{\"event\":\"received\",\"text\":\"m7 yy\"}");
	ck_assert_uint_eq(drain_pending(d), 1);
	/* m70 is not m7 */
	feed(d, 2, "{\"event\":\"received\",\"text\":\"m70 yy\"}");
	ck_assert_uint_eq(drain_pending(d), 1);
	feed(d, 2, "{\"event\":\"received\",\"text\":\"m7\"}");
	ck_assert_uint_eq(drain_pending(d), 0);
	drain_free(d);
}
END_TEST

/* drain_delivered (after: waits for it): 1 once every recipient got it, -1 once one pair was
 * given up, 0 while one waits or for an unknown message; a group creation message
 * ("m7.create …") is no receipt of m7. */
START_TEST(delivered_is_every_recipient)
{
	struct drain *d = drain_new(4);
	const uint32_t to[] = {1, 2}, one[] = {3};

	ck_assert_int_eq(drain_delivered(d, "m7"), 0);
	drain_expect(d, "m7", 0, to, 2);
	drain_expect(d, "m8", 0, one, 1);
	feed(d, 1, "{\"event\":\"received\",\"text\":\"m7.create created the group\"}");
	ck_assert_int_eq(drain_delivered(d, "m7"), 0);
	feed(d, 1, "{\"event\":\"received\",\"text\":\"m7 yy\"}");
	ck_assert_int_eq(drain_delivered(d, "m7"), 0);
	feed(d, 2, "{\"event\":\"received\",\"text\":\"m7 yy\"}");
	ck_assert_int_eq(drain_delivered(d, "m7"), 1);
	drain_node_gone(d, 3);
	ck_assert_int_eq(drain_delivered(d, "m8"), -1);
	drain_free(d);
}
END_TEST

START_TEST(sender_gives_up)
{
	struct drain *d = drain_new(3);
	const uint32_t to[] = {1, 2};

	drain_expect(d, "m2", 0, to, 2);
	feed(d, 1, "{\"event\":\"received\",\"text\":\"m2 z\"}");
	/* only the sender's "failed" counts */
	ck_assert_int_eq(feed(d, 2, "{\"event\":\"failed\",\"text\":\"m2 z\"}"), 0);
	ck_assert_int_eq(feed(d, 0, "{\"event\":\"failed\",\"id\":\"a9\",\"text\":\"m2 z\"}"), 1);
	ck_assert_uint_eq(drain_pending(d), 0);
	drain_free(d);
}
END_TEST

START_TEST(gone_recipient_settles_now_and_later)
{
	struct drain *d = drain_new(3);
	const uint32_t to[] = {2};

	drain_expect(d, "m3", 0, to, 1);
	drain_node_gone(d, 2);
	ck_assert_uint_eq(drain_pending(d), 0);
	drain_expect(d, "m4", 1, to, 1); /* sent to a node already gone */
	ck_assert_uint_eq(drain_pending(d), 0);
	ck_assert_uint_eq(drain_messages(d), 2);
	/* queued twice (a resend of the same plan message) counts once */
	drain_expect(d, "m4", 1, to, 1);
	ck_assert_uint_eq(drain_messages(d), 2);
	drain_free(d);
}
END_TEST

START_TEST(malformed_lines_settle_nothing)
{
	struct drain *d = drain_new(2);
	const uint32_t to[] = {1};
	static const char *const lines[] = {"",
					    "{",
					    "{\"event\":\"received\"}",
					    "{\"text\":\"m5 a\"}",
					    "{\"event\":\"received\",\"text\":\"m5",
					    "{\"event\":\"receivedx\",\"text\":\"m5 a\"}",
					    "{\"event\":\"received\",\"text\":\"\"}"};

	drain_expect(d, "m5", 0, to, 1);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_int_eq(feed(d, 1, lines[i]), 0);
	ck_assert_uint_eq(drain_pending(d), 1);
	drain_free(d);
}
END_TEST

/* until: delivered asks: from message k on (queue order), is every one settled? A message
 * before k that is still pending does not count; a crashed recipient settles as drain does. */
START_TEST(settled_from_a_window)
{
	struct drain *d = drain_new(3);
	const uint32_t to1[] = {1}, to2[] = {2};

	drain_expect(d, "m1", 0, to1, 1); /* before the fault: stays pending */
	ck_assert_uint_eq(drain_settled_from(d, 1), 1);
	drain_expect(d, "m2", 0, to1, 1);
	drain_expect(d, "m3", 0, to2, 1);
	ck_assert_uint_eq(drain_settled_from(d, 1), 1);
	feed(d, 1, "{\"event\":\"received\",\"text\":\"m2 x\"}");
	ck_assert_uint_eq(drain_settled_from(d, 1), 2);
	drain_node_gone(d, 2);
	ck_assert_uint_eq(drain_settled_from(d, 1), 3);
	ck_assert_uint_eq(drain_settled_from(d, 0), 0); /* m1 is still pending */
	ck_assert_uint_eq(drain_messages(d), 3);
	drain_free(d);
}
END_TEST

/* A request with accept: true also waits for "m1.accept" at its sender; it is given up with
 * the request, or when the acceptor is gone. */
START_TEST(acceptance_waits_at_the_requester)
{
	struct drain *d = drain_new(3);
	const uint32_t to[] = {1};

	drain_expect(d, "m1", 0, to, 1);
	drain_expect_accept(d, "m1", 1, 0);
	ck_assert_uint_eq(drain_pending(d), 2);
	ck_assert_int_eq(feed(d, 1, "{\"event\":\"received\",\"text\":\"m1 xxxx\"}"), 1);
	ck_assert_uint_eq(drain_pending(d), 1);
	/* the acceptor's own sent line settles nothing; the requester's receipt does */
	ck_assert_int_eq(feed(d, 1, "{\"event\":\"sent\",\"text\":\"m1.accept\"}"), 0);
	ck_assert_int_eq(feed(d, 0, "{\"event\":\"received\",\"text\":\"m1.accept\"}"), 1);
	ck_assert_uint_eq(drain_pending(d), 0);

	drain_expect(d, "m2", 0, to, 1);
	drain_expect_accept(d, "m2", 1, 0);
	drain_give_up(d, "m2");
	ck_assert_uint_eq(drain_pending(d), 0);

	drain_expect(d, "m3", 0, to, 1);
	drain_expect_accept(d, "m3", 1, 0);
	drain_node_gone(d, 1);
	ck_assert_uint_eq(drain_pending(d), 0);
	drain_expect(d, "m4", 0, to, 1);
	drain_expect_accept(d, "m4", 1, 0);
	ck_assert_uint_eq(drain_pending(d), 0);
	drain_free(d);
}
END_TEST

Suite *drain_suite(void)
{
	Suite *s = suite_create("drain");
	TCase *t = tcase_create("ledger");

	tcase_add_test(t, dm_settles_when_received);
	tcase_add_test(t, group_waits_for_every_member);
	tcase_add_test(t, delivered_is_every_recipient);
	tcase_add_test(t, sender_gives_up);
	tcase_add_test(t, gone_recipient_settles_now_and_later);
	tcase_add_test(t, malformed_lines_settle_nothing);
	tcase_add_test(t, settled_from_a_window);
	tcase_add_test(t, acceptance_waits_at_the_requester);
	suite_add_tcase(s, t);
	return s;
}
