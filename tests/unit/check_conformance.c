/* Conformance fixtures (tests/data/real/, sources in its README.md): log files laid out as
 * the real nodes write them, read by `faultlab analyze --logs`. Every hash must be found on
 * every node that logged it, at the time that node's line gives.
 *
 * Each fixture folder is copied to a temporary folder whose files get the mtime
 * 2024-10-25T00:00:00Z, so the geth format's year-less times read as 2024 whenever the test
 * runs (a checkout gives the files today's mtime). */
#include "orchestrator/analyze/fleetlog.h"
#include "orchestrator/analyze/linescan.h"
#include "orchestrator/analyze/statuscli_log.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REAL "tests/data/real/"
#define T0 1729760364000000000ull /* 2024-10-24T08:59:24Z */
#define MS 1000000ull
#define HA "0x3f2e5a9c1d7b40e8a6f31c9b2d4e7f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
#define HB "0x4c32d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b826"
#define HC "0xc0ffee00112233445566778899aabbccddeeff00112233445566778899aabb01"
#define HD "0xd00dfeed102132435465768798a9bacbdcedfe0f1021324354657687989a0b02"
#define HE "0xe1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff03"
#define HF "0x5a5a5a5aa5a5a5a5c3c3c3c33c3c3c3c0f0f0f0ff0f0f0f0969696966969690f"

struct sighting {
	const char *hash, *node;
	uint64_t t_ns;
};

struct fixture {
	const char *dir;
	size_t nodes, hashes;
	struct {
		const char *node;
		enum fleetlog_format format;
	} fmt[4];
	struct sighting seen[10];
	const char *origin[3][2]; /* hash, event of its earliest sighting */
};

static const struct fixture fixtures[] = {
    {"nwaku-v0.36.0",
     4,
     2,
     {{"relay1", FLEETLOG_NWAKU},
      {"relay2", FLEETLOG_NWAKU},
      {"light1", FLEETLOG_NWAKU_JSON},
      {"store1", FLEETLOG_NWAKU}},
     {{HA, "relay1", T0 + 1 * MS}, /* "start publish Waku message": the line's time */
      {HA, "relay2", T0 + 20 * MS},
      {HA, "light1", T0 + 45 * MS},
      {HA, "store1", T0 + 60 * MS}, /* msg_hash = toHex(): no 0x */
      {HB, "relay1", T0 + 1020123456ull},
      {HB, "relay2", T0 + 1000 * MS}, /* a +02:00 clock, in colour */
      {HB, "light1", T0 + 1050 * MS}, /* shortLog: 0x4c32...b826 */
      {HB, "store1", T0 + 1070 * MS}},
     {{HA, "start publish Waku message"}, {HB, "start publish Waku message"}}},
    {"go-waku-v0.8.1",
     3,
     2,
     {{"gowaku1", FLEETLOG_GOWAKU},
      {"gowaku2", FLEETLOG_GOWAKU_JSON},
      {"gowaku3", FLEETLOG_GOWAKU}},
     {{HC, "gowaku1", T0 + 100 * MS}, /* publishTime */
      {HC, "gowaku2", T0 + 130 * MS},
      {HC, "gowaku3", T0 + 160 * MS},
      {HD, "gowaku1", T0 + 1180 * MS},
      {HD, "gowaku2", T0 + 1150 * MS},	/* ts "…-0400" */
      {HD, "gowaku3", T0 + 1170 * MS}}, /* ts "…+0530" */
     {{HC, "waku.relay published"}, {HD, "waku.lightpush published"}}},
    {"status-go-2024-10",
     2,
     2,
     {{"alice", FLEETLOG_GETH}, {"bob", FLEETLOG_GETH}},
     {{HE, "alice", T0 + 300 * MS}, /* publishTime=1,729,… is geth's int64 style: line time */
      {HE, "bob", T0 + 351 * MS},
      {HF, "alice", T0 + 1402 * MS},
      {HF, "bob", T0 + 1380 * MS}},
     {{HE, "waku.relay published"}, {HF, "waku.relay published"}}},
    {"k8s-cri",
     2,
     2,
     {{"nwaku-0", FLEETLOG_NWAKU}, {"gowaku-0", FLEETLOG_GOWAKU}},
     {{HA, "nwaku-0", T0 + 20 * MS},
      {HA, "gowaku-0", T0 + 140 * MS},
      {HB, "nwaku-0", T0 + 1030 * MS}, /* split by the runtime into a P and an F line */
      {HB, "gowaku-0", T0 + 1140 * MS}},
     {{HA, "received relay message"}, {HB, "received relay message"}}},
};

/* Copies REAL/name into a fresh temporary folder with the files' mtime set. */
static void fixture_copy(const char *name, char *out, size_t cap)
{
	char src[256], from[600], to[600], buf[65536];
	struct timespec ts[2] = {{1729814400, 0}, {1729814400, 0}}; /* 2024-10-25T00:00:00Z */
	struct dirent *e;
	DIR *d;

	snprintf(out, cap, "/tmp/fl-conformance-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(out));
	snprintf(src, sizeof(src), REAL "%s", name);
	d = opendir(src);
	ck_assert_msg(d != NULL, "open %s", src);
	while ((e = readdir(d))) {
		int in, fd;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(from, sizeof(from), "%s/%s", src, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", out, e->d_name);
		in = open(from, O_RDONLY);
		fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		ck_assert(in >= 0 && fd >= 0);
		while ((n = read(in, buf, sizeof(buf))) > 0)
			ck_assert_int_eq(write(fd, buf, (size_t)n), n);
		close(in);
		ck_assert_int_eq(futimens(fd, ts), 0);
		close(fd);
	}
	closedir(d);
}

static void fixture_remove(const char *dir)
{
	char path[600];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static size_t node_of(const struct fleetlog *fl, const char *name)
{
	for (size_t i = 0; i < fl->n_nodes; i++)
		if (strcmp(fl->nodes[i].name, name) == 0)
			return i;
	ck_abort_msg("no node %s", name);
	return 0;
}

static const struct fleetlog_hash *hash_of(const struct fleetlog *fl, const char *h)
{
	for (size_t i = 0; i < fl->n_hashes; i++)
		if (strcmp(fl->hashes[i].hash, h) == 0)
			return &fl->hashes[i];
	ck_abort_msg("no hash %s", h);
	return NULL;
}

START_TEST(test_fixture)
{
	const struct fixture *f = &fixtures[_i];
	struct fl_error err = {0};
	struct fleetlog *fl;
	char dir[64];

	fixture_copy(f->dir, dir, sizeof(dir));
	fl = fleetlog_load(dir, NULL, &err);
	fixture_remove(dir);
	ck_assert_msg(fl != NULL, "%s: %s", f->dir, err.msg);
	ck_assert_uint_eq(fl->n_nodes, f->nodes);
	ck_assert_msg(fl->n_hashes == f->hashes, "%s: %zu hashes", f->dir, fl->n_hashes);
	ck_assert_uint_eq(fl->misses, 0);
	for (size_t i = 0; i < f->nodes; i++)
		ck_assert_msg(fl->nodes[node_of(fl, f->fmt[i].node)].format == f->fmt[i].format,
			      "%s: format of %s", f->dir, f->fmt[i].node);
	for (size_t i = 0; i < sizeof(f->seen) / sizeof(f->seen[0]) && f->seen[i].hash; i++) {
		const struct sighting *s = &f->seen[i];
		uint64_t t = hash_of(fl, s->hash)->first_ns[node_of(fl, s->node)];

		ck_assert_msg(t == s->t_ns, "%s: %.10s… on %s at %llu, want %llu", f->dir, s->hash,
			      s->node, (unsigned long long)t, (unsigned long long)s->t_ns);
	}
	for (size_t i = 0; i < 3 && f->origin[i][0]; i++)
		ck_assert_str_eq(hash_of(fl, f->origin[i][0])->origin_event, f->origin[i][1]);
	fleetlog_free(fl);
}
END_TEST

struct receipts {
	size_t n, ready;
	struct statuscli_receipt first;
	char first_text[160], first_id[80];
};

static int receipt_line(void *ctx, const char *p, size_t n)
{
	struct receipts *rc = ctx;
	struct statuscli_receipt r;

	static const char ready[] = "\tstatus-cli/serve.go:100\tretrieve messages...";

	rc->ready += memmem(p, n, ready, sizeof(ready) - 1) != NULL;
	if (!statuscli_parse(p, n, &r))
		return 0;
	if (rc->n++ == 0) {
		rc->first = r;
		snprintf(rc->first_text, sizeof(rc->first_text), "%.*s", (int)r.text_len, r.text);
		snprintf(rc->first_id, sizeof(rc->first_id), "%.*s", (int)r.id_len, r.id);
	}
	return 0;
}

/* status-cli's stderr as status-cli-tests captured it (report 133, 2024-07-24): every
 * `message received:` line is a receipt with its text, id and time; none elsewhere. */
START_TEST(test_statuscli_stderr)
{
	struct receipts owner = {0}, first = {0};
	struct fl_error err = {0};

	ck_assert_int_eq(linescan_file(REAL "status-cli-2024-07/community_owner.stderr",
				       receipt_line, &owner, &err),
			 0);
	ck_assert_int_eq(
	    linescan_file(REAL "status-cli-2024-07/first_node.stderr", receipt_line, &first, &err),
	    0);
	ck_assert_uint_eq(owner.n, 5);
	ck_assert_uint_eq(owner.ready, 1);
	ck_assert_str_eq(owner.first_text, "f1ef48d1-7f6c-462c-ae89-e2ba4a6af388_message_from_"
					   "0x029e7b6e358bf8948693e4369673f1efa5a464d4ac21c5d183cb1"
					   "c902b1cf644fc_6130_28");
	ck_assert_str_eq(owner.first_id,
			 "0x3fe85a83365fdf96f049506430246df9ee85e8a3d0f1ea46c3c74f427bdb7004");
	ck_assert(owner.first.t_ns == 1721817657746ull * MS); /* 2024-07-24T10:40:57.746Z */
	ck_assert_uint_eq(first.n, 0);
	ck_assert_uint_eq(first.ready, 1);
}
END_TEST

Suite *conformance_suite(void)
{
	Suite *s = suite_create("conformance");
	TCase *tc = tcase_create("real");

	tcase_add_loop_test(tc, test_fixture, 0, sizeof(fixtures) / sizeof(fixtures[0]));
	tcase_add_test(tc, test_statuscli_stderr);
	suite_add_tcase(s, tc);
	return s;
}
