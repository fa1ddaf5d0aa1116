/* The runtimes' pure helpers (no privileges needed; kept with the other runtime suites):
 * Docker log demultiplexing however the transport cuts the stream, @DATA@ substitution,
 * subnet parsing, name checks. */
#include "orchestrator/runtime/docker_logs.h"
#include "orchestrator/runtime/runlock.h"
#include "orchestrator/runtime/runtime_internal.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

struct rp_buf {
	char *p;
	size_t n;
};

static void rp_out(void *ctx, const char *p, size_t len)
{
	struct rp_buf *b = ctx;

	b->p = realloc(b->p, b->n + len);
	memcpy(b->p + b->n, p, len);
	b->n += len;
}

/* A stream of frames of these payload sizes; *payload gets their concatenation. */
static size_t rp_stream(const size_t *sizes, size_t nf, char **stream, char **payload)
{
	size_t total = 0, off = 0, poff = 0;

	for (size_t i = 0; i < nf; i++)
		total += 8 + sizes[i];
	*stream = malloc(total);
	*payload = malloc(total);
	for (size_t i = 0; i < nf; i++) {
		unsigned char *h = (unsigned char *)*stream + off;
		h[0] = (unsigned char)(1 + i % 2);
		h[1] = h[2] = h[3] = 0;
		h[4] = (unsigned char)(sizes[i] >> 24);
		h[5] = (unsigned char)(sizes[i] >> 16);
		h[6] = (unsigned char)(sizes[i] >> 8);
		h[7] = (unsigned char)sizes[i];
		off += 8;
		for (size_t k = 0; k < sizes[i]; k++) {
			char c = (char)('a' + (i * 7 + k) % 26);
			(*stream)[off++] = c;
			(*payload)[poff++] = c;
		}
	}
	return total;
}

static const size_t rp_chunks[] = {1, 2, 3, 7, 8, 9, 13, 4096, 100000};

START_TEST(demux_any_cut)
{
	static const size_t sizes[] = {5, 0, 1, 300, 8, 70000, 2};
	size_t chunk = rp_chunks[_i], total, plen = 0;
	char *stream, *payload;
	struct docker_logs_demux d = {0};
	struct rp_buf out = {0};

	total = rp_stream(sizes, sizeof(sizes) / sizeof(sizes[0]), &stream, &payload);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		plen += sizes[i];
	for (size_t off = 0; off < total; off += chunk)
		docker_logs_demux(&d, stream + off, total - off < chunk ? total - off : chunk,
				  rp_out, &out);
	ck_assert_uint_eq(out.n, plen);
	ck_assert(memcmp(out.p, payload, plen) == 0);
	/* a re-attach skips what was already written */
	memset(&d, 0, sizeof(d));
	d.skip = 310;
	free(out.p);
	out = (struct rp_buf){0};
	for (size_t off = 0; off < total; off += chunk)
		docker_logs_demux(&d, stream + off, total - off < chunk ? total - off : chunk,
				  rp_out, &out);
	ck_assert_uint_eq(out.n, plen - 310);
	ck_assert(memcmp(out.p, payload + 310, plen - 310) == 0);
	free(out.p);
	free(stream);
	free(payload);
}
END_TEST

START_TEST(argv_data_substitution)
{
	char *in[] = {"bin", "--db=@DATA@/x.db", "@DATA@@DATA@", "@DATA", "plain", NULL};
	char *empty[] = {NULL};
	struct fl_error err;
	char **out = runtime_argv_expand(in, "/d", &err);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out[0], "bin");
	ck_assert_str_eq(out[1], "--db=/d/x.db");
	ck_assert_str_eq(out[2], "/d/d");
	ck_assert_str_eq(out[3], "@DATA");
	ck_assert_str_eq(out[4], "plain");
	ck_assert_ptr_null(out[5]);
	runtime_argv_free(out);
	ck_assert_ptr_null(runtime_argv_expand(empty, "/d", &err));
	ck_assert_str_eq(err.msg, "empty command line");
}
END_TEST

START_TEST(subnet_parse_and_names)
{
	struct fl_error err;
	uint32_t net;
	int p;
	char out[RUNTIME_SUBNET_LEN];

	ck_assert_int_eq(runtime_subnet_parse("10.213.7.9/24", &net, &p, &err), 0);
	ck_assert_int_eq(p, 24);
	runtime_subnet_format(net, p, out, sizeof(out));
	ck_assert_str_eq(out, "10.213.7.0/24");
	ck_assert_int_eq(runtime_subnet_parse("10.213.7.0", &net, &p, &err), -1);
	ck_assert_msg(strstr(err.msg, "\"10.213.7.0\""), "%s", err.msg);
	ck_assert_int_eq(runtime_subnet_parse("10.213.7.0/31", &net, &p, &err), -1);
	ck_assert_int_eq(runtime_subnet_parse("10.213.x.0/24", &net, &p, &err), -1);
	ck_assert_int_eq(runtime_subnet_parse("10.213.7.0/24x", &net, &p, &err), -1);
	ck_assert(runlock_valid_id("a1b2c3d4e5"));
	ck_assert(!runlock_valid_id("a1b2c3d4e5f"));
	ck_assert(!runlock_valid_id("run-1"));
	ck_assert(!runlock_valid_id(""));
	ck_assert(runtime_node_name_ok("svc_1.a-b"));
	ck_assert(!runtime_node_name_ok("a/b"));
	ck_assert(!runtime_node_name_ok("-a"));
	ck_assert(!runtime_node_name_ok(""));
}
END_TEST

Suite *runtime_pure_suite(void)
{
	Suite *s = suite_create("runtime_pure");
	TCase *tc = tcase_create("pure");

	tcase_add_loop_test(tc, demux_any_cut, 0, (int)(sizeof(rp_chunks) / sizeof(rp_chunks[0])));
	tcase_add_test(tc, argv_data_substitution);
	tcase_add_test(tc, subnet_parse_and_names);
	suite_add_tcase(s, tc);
	return s;
}
