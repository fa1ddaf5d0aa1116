/* labnode in status-cli mode (images/labnode/ln_statuscli.c), two processes on loopback
 * started with status-cli's own command lines (`serve -n Alice -p P`, `s --name=Bob -p=P`,
 * `sl -n Alice -kid UID`): JSON-RPC bound to 127.0.0.1 only, zap console lines on stderr
 * that the analyzer's status-cli reader parses (text, message id, time), readiness on
 * `retrieve messages...`, the same key after serve-account, no events file; communities in
 * status-go's shapes (the fixtures of tests/data/real/rest/status-go-c72f491/). */
#include "common/fltime.h"
#include "orchestrator/analyze/statuscli_log.h"

#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LABNODE_REL "build/labnode"

static char dir[64], labnode[4200];
static int base;
static pid_t pids[3];

static void setup(void)
{
	char cwd[4096];

	base = 14000 + (int)(getpid() % 600) * 10;
	snprintf(dir, sizeof(dir), "/tmp/labnode-sc-%d", (int)getpid());
	mkdir(dir, 0755);
	snprintf(labnode, sizeof(labnode), "%s/" LABNODE_REL, getcwd(cwd, sizeof(cwd)));
	memset(pids, 0, sizeof(pids));
}

static void teardown(void)
{
	char cmd[128];

	for (int i = 0; i < 3; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Runs labnode with argv in dir (status-cli keeps its account under ./test-<name>), output
 * into dir/<tag>.out and .err; env: $LABNODE_ARGS or NULL. */
static pid_t run(const char *tag, const char *env, const char *const *argv)
{
	char out[128], err[128];
	pid_t pid;

	snprintf(out, sizeof(out), "%s/%s.out", dir, tag);
	snprintf(err, sizeof(err), "%s/%s.err", dir, tag);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (chdir(dir) < 0 || !freopen(out, "a", stdout) || !freopen(err, "a", stderr))
			_exit(127);
		if (env)
			setenv("LABNODE_ARGS", env, 1);
		else
			unsetenv("LABNODE_ARGS");
		execv(labnode, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static char *slurp(const char *tag, const char *ext)
{
	char path[128];
	FILE *f;
	char *b = calloc(1, 1 << 20);

	snprintf(path, sizeof(path), "%s/%s.%s", dir, tag, ext);
	f = fopen(path, "r");
	if (f) {
		size_t n = fread(b, 1, (1 << 20) - 1, f);

		b[n] = '\0';
		fclose(f);
	}
	return b;
}

/* Waits up to ms for text in tag's stderr; returns the stderr (caller frees) or fails. */
static char *wait_err(const char *tag, const char *text, int ms)
{
	for (double t0 = fltime_mono_ms(); fltime_mono_ms() - t0 < ms; fltime_sleep_ms(50)) {
		char *b = slurp(tag, "err");

		if (strstr(b, text))
			return b;
		free(b);
	}
	ck_abort_msg("%s: no \"%s\" on stderr", tag, text);
	return NULL;
}

/* 1 when /proc/net/tcp has a listener on port, bound to 127.0.0.1 and nothing else. */
static int listens_on_loopback_only(int port)
{
	char line[512];
	int lo = 0, other = 0;
	FILE *f = fopen("/proc/net/tcp", "r");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned addr, p, st;

		if (sscanf(line, " %*d: %x:%x %*x:%*x %x", &addr, &p, &st) == 3 && st == 0x0A &&
		    (int)p == port)
			*(addr == 0x0100007F ? &lo : &other) += 1;
	}
	if (f)
		fclose(f);
	return lo == 1 && other == 0;
}

static size_t sink(void *p, size_t sz, size_t n, void *arg)
{
	strncat(arg, p, 4095 - strlen(arg) < sz * n ? 4095 - strlen(arg) : sz * n);
	return sz * n;
}

static long rpc(int port, const char *body, char out[4096])
{
	CURL *c = curl_easy_init();
	char url[64];
	long st = 0;

	out[0] = '\0';
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_easy_cleanup(c);
	return st;
}

/* The value after marker up to the end of its line, into out. */
static void after(const char *text, const char *marker, char *out, size_t cap)
{
	const char *p = strstr(text, marker);
	size_t n;

	ck_assert_msg(p != NULL, "no \"%s\"", marker);
	p += strlen(marker);
	n = strcspn(p, "\n");
	snprintf(out, cap, "%.*s", (int)(n < cap - 1 ? n : cap - 1), p);
}

/* The whole line of text that holds marker, into out. */
static void line_with(const char *text, const char *marker, char *out, size_t cap)
{
	const char *p = strstr(text, marker), *b;

	ck_assert_msg(p != NULL, "no \"%s\"", marker);
	for (b = p; b > text && b[-1] != '\n'; b--)
		;
	snprintf(out, cap, "%.*s", (int)strcspn(b, "\n"), b);
}

START_TEST(test_statuscli_mode)
{
	char rp_a[16], rp_b[16], wire_a[32], env_b[96], key_a[200], uid[80], body[512], resp[4096];
	char id[80], line[512], *e;
	const char *a_argv[] = {labnode, "serve",    "-n",   "Alice", "-p",
				rp_a,	 "--listen", wire_a, NULL};
	const char *b_argv[] = {labnode, "s", "--name=Bob", rp_b, NULL};
	struct statuscli_receipt r;
	uint64_t before;

	snprintf(rp_a, sizeof(rp_a), "%d", base);
	snprintf(rp_b, sizeof(rp_b), "-p=%d", base + 1);
	snprintf(wire_a, sizeof(wire_a), "127.0.0.1:%d", base + 2);
	snprintf(env_b, sizeof(env_b), "--listen 127.0.0.1:%d --peer 127.0.0.1:%d", base + 3,
		 base + 2);
	pids[0] = run("alice", NULL, a_argv);
	pids[1] = run("bob", env_b, b_argv);
	e = wait_err("alice", "\tINFO\tAlice\tstatus-cli/serve.go:107\tretrieve messages...\n",
		     5000);
	ck_assert_msg(strstr(e, "\tINFO\tstatus-cli/serve.go:34\tRunning serve command, with:\n"
				"\t-name Alice\n\t-add \n\t-port "),
		      "%s", e);
	after(e, "\tINFO\tAlice\tstatus-cli/util.go:94\tmessenger started, public key: ", key_a,
	      sizeof(key_a));
	after(e, "\tAlice\tstatus-cli/util.go:69\taccount created, key UID: ", uid, sizeof(uid));
	free(e);
	free(wait_err("bob", "connected", 5000));
	ck_assert(listens_on_loopback_only(base));
	ck_assert(listens_on_loopback_only(base + 1));
	snprintf(body, sizeof(body),
		 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"wakuext_sendOneToOneMessage\","
		 "\"params\":[{\"id\":\"%s\",\"message\":\"m1 hello there\"}]}",
		 key_a);
	before = (uint64_t)time(NULL) * 1000000000ull;
	ck_assert_int_eq(rpc(base + 1, body, resp), 200);
	ck_assert_msg(strstr(resp, "\"id\":\"0x"), "%s", resp);
	after(resp, "\"id\":\"", id, sizeof(id));
	*strchr(id, '"') = '\0';
	e = wait_err("alice", "message received: m1 hello there", 5000);
	line_with(e, "message received: m1 hello there", line, sizeof(line));
	free(e);
	ck_assert_msg(strstr(line, "Z\tINFO\tAlice\tstatus-cli/serve.go:70\tmessage received: "),
		      "%s", line);
	ck_assert_int_eq(statuscli_parse(line, strlen(line), &r), 1);
	ck_assert(r.text_len == 14 && !memcmp(r.text, "m1 hello there", 14));
	ck_assert(r.id_len == strlen(id) && !memcmp(r.id, id, r.id_len));
	ck_assert(r.t_ns >= before && r.t_ns < before + 30000000000ull);
	e = slurp("alice", "out"); /* status-cli prints no app lines on stdout */
	ck_assert_ptr_null(strstr(e, "message received"));
	free(e);
	kill(pids[0], SIGTERM);
	waitpid(pids[0], NULL, 0);
	pids[0] = 0;
	free(wait_err("alice", "\tAlice\tstatus-cli/serve.go:120\tExiting\n", 3000));
	/* serve-account: the same key, the account's port */
	{
		const char *sl_argv[] = {labnode, "sl",	      "-n",   "Alice", "-kid",
					 uid,	  "--listen", wire_a, NULL};
		char key2[200];

		pids[2] = run("alice2", NULL, sl_argv);
		e = wait_err("alice2", "retrieve messages...", 5000);
		after(e, "messenger started, public key: ", key2, sizeof(key2));
		ck_assert_str_eq(key2, key_a);
		ck_assert(strstr(e, "\tAlice\tstatus-cli/util.go:63\texisting account, key UID: "));
		free(e);
		ck_assert(listens_on_loopback_only(base));
	}
}
END_TEST

START_TEST(test_statuscli_bad_command_lines)
{
	const char *bad_port[] = {labnode, "serve", "-p", "abc", NULL};
	const char *no_uid[] = {labnode, "serve-account", "-n", "Zed", NULL};
	const char *no_account[] = {labnode, "sl", "-n", "Zed", "-kid", "0xab", NULL};
	int st;
	char *e;

	waitpid(run("bad1", NULL, bad_port), &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	e = slurp("bad1", "err");
	ck_assert_msg(strstr(e, "labnode: invalid value \"abc\" for flag -port"), "%s", e);
	free(e);
	waitpid(run("bad2", NULL, no_uid), &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	e = slurp("bad2", "err");
	ck_assert_msg(strstr(e, "labnode: Required flag \"key-uid\" not set"), "%s", e);
	free(e);
	waitpid(run("bad3", NULL, no_account), &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	e = slurp("bad3", "err");
	ck_assert_msg(strstr(e, "name 'Zed' might not have an account: trying to find: ./test-zed"),
		      "%s", e);
	free(e);
}
END_TEST

/* --- communities (ln_statuscli_comm.c) against status-go's bodies ------------------------ */

#define SG_REST "tests/data/real/rest/status-go-c72f491/"

/* The JSON-RPC answer of method(params) at port: result (new reference), or NULL with the
 * error's message in msg. */
static json_t *call(int port, const char *method, const char *params, char *msg, size_t cap)
{
	char body[1024], resp[4096];
	json_t *j, *r;

	snprintf(body, sizeof(body),
		 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}", method, params);
	rpc(port, body, resp);
	j = json_loads(resp, 0, NULL);
	ck_assert_msg(j != NULL, "%s: not JSON: %s", method, resp);
	r = json_incref(json_object_get(j, "result"));
	if (msg)
		snprintf(msg, cap, "%s",
			 json_string_value(json_object_get(json_object_get(j, "error"), "message"))
			     ?: "");
	json_decref(j);
	return r;
}

/* Every key of the fixture's object is in got's (labnode answers status-go's fields). */
static void same_keys(const char *what, json_t *fixture, json_t *got)
{
	const char *k;
	json_t *v;

	ck_assert_msg(json_is_object(got), "%s: not an object", what);
	json_object_foreach(fixture, k, v)
		ck_assert_msg(json_object_get(got, k) != NULL, "%s: no \"%s\"", what, k);
}

static json_t *fixture(const char *file)
{
	json_t *j = json_load_file(file, 0, NULL), *r;

	ck_assert_msg(j != NULL, "%s", file);
	r = json_incref(json_object_get(j, "result"));
	json_decref(j);
	return r;
}

#define FIRST(o, key) json_array_get(json_object_get(o, key), 0)

/* Alice makes a community as status-cli-tests does, Bob fetches it (its description comes from
 * Alice over the wire), asks to join; Alice lists the request as pending and accepts it by id;
 * Bob has joined. Each answer has the fields of status-go's (the fixtures), the errors
 * status-go's texts, and no step prints a `message received:` line. */
START_TEST(test_statuscli_communities)
{
	char rp_a[16], rp_b[16], wire_a[32], env_b[96], key_b[200], msg[256], params[512];
	const char *a_argv[] = {labnode, "serve",    "-n",   "Alice", "-p",
				rp_a,	 "--listen", wire_a, NULL};
	const char *b_argv[] = {labnode, "serve", "-n", "Bob", "-p", rp_b, NULL};
	json_t *fx, *got, *c;
	char cid[80], rid[80];
	const char *id;
	char *e;

	snprintf(rp_a, sizeof(rp_a), "%d", base);
	snprintf(rp_b, sizeof(rp_b), "%d", base + 1);
	snprintf(wire_a, sizeof(wire_a), "127.0.0.1:%d", base + 2);
	snprintf(env_b, sizeof(env_b), "--listen 127.0.0.1:%d --peer 127.0.0.1:%d", base + 3,
		 base + 2);
	pids[0] = run("alice", NULL, a_argv);
	pids[1] = run("bob", env_b, b_argv);
	free(wait_err("alice", "retrieve messages...", 5000));
	e = wait_err("bob", "retrieve messages...", 5000);
	after(e, "messenger started, public key: ", key_b, sizeof(key_b));
	free(e);

	/* create: status-go's validation, then the community */
	ck_assert_ptr_null(call(base, "wakuext_createCommunity",
				"[{\"membership\":3,\"name\":\"\",\"color\":\"#ffffff\","
				"\"description\":\"d\"}]",
				msg, sizeof(msg)));
	ck_assert_str_eq(msg, "create-community: invalid name");
	got = call(base, "wakuext_createCommunity",
		   "[{\"membership\":3,\"name\":\"community_0\",\"color\":\"#ffffff\","
		   "\"description\":\"community_0\"}]",
		   msg, sizeof(msg));
	fx = fixture(SG_REST "createCommunity.json");
	same_keys("createCommunity", fx, got);
	same_keys("createCommunity communities[0]", FIRST(fx, "communities"),
		  FIRST(got, "communities"));
	id = json_string_value(json_object_get(FIRST(got, "communities"), "id"));
	ck_assert_msg(id && strlen(id) == 68 && !strncmp(id, "0x02", 4), "id %s", id);
	snprintf(cid, sizeof(cid), "%s", id);
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_object_get(FIRST(got, "communities"), "permissions"), "access")),
			 3);
	json_decref(fx);
	json_decref(got);

	/* fetch until Alice's description arrived (status-cli-tests retries the call) */
	snprintf(params, sizeof(params),
		 "[{\"communityKey\":\"%s\",\"waitForResponse\":true,\"tryDatabase\":true}]", cid);
	got = NULL;
	for (double t0 = fltime_mono_ms(); fltime_mono_ms() - t0 < 5000; fltime_sleep_ms(100)) {
		got = call(base + 1, "wakuext_fetchCommunity", params, msg, sizeof(msg));
		if (json_is_object(got))
			break;
		json_decref(got);
		got = NULL;
	}
	ck_assert_msg(got != NULL, "fetchCommunity never answered the community (%s)", msg);
	ck_assert_str_eq(json_string_value(json_object_get(got, "name")), "community_0");
	fx = fixture(SG_REST "fetchCommunity.json");
	same_keys("fetchCommunity", fx, got);
	ck_assert(json_is_false(json_object_get(got, "joined")));
	json_decref(fx);
	json_decref(got);

	/* request: status-go's validation, then the request */
	snprintf(
	    params, sizeof(params),
	    "[{\"communityId\":\"%s\",\"addressesToReveal\":[\"a\"],\"airdropAddress\":\"b\"}]",
	    cid);
	ck_assert_ptr_null(
	    call(base + 1, "wakuext_requestToJoinCommunity", params, msg, sizeof(msg)));
	ck_assert_str_eq(msg, "request-to-join-community: airdropAddress must be in the set of "
			      "addresses to reveal");
	snprintf(params, sizeof(params),
		 "[{\"communityId\":\"%s\",\"addressesToReveal\":[\"fakeaddress\"],"
		 "\"airdropAddress\":\"fakeaddress\"}]",
		 cid);
	got = call(base + 1, "wakuext_requestToJoinCommunity", params, msg, sizeof(msg));
	fx = fixture(SG_REST "requestToJoinCommunity.json");
	same_keys("requestToJoinCommunity", fx, got);
	same_keys("requestToJoinCommunity requestsToJoinCommunity[0]",
		  FIRST(fx, "requestsToJoinCommunity"), FIRST(got, "requestsToJoinCommunity"));
	c = FIRST(got, "requestsToJoinCommunity");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "state")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(c, "communityId")), cid);
	snprintf(rid, sizeof(rid), "%s", json_string_value(json_object_get(c, "id")));
	json_decref(fx);
	json_decref(got);

	/* accept before the request arrived fails as GetRequestToJoin does */
	ck_assert_ptr_null(call(base, "wakuext_acceptRequestToJoinCommunity",
				"[{\"id\":\"0x1234\"}]", msg, sizeof(msg)));
	ck_assert_str_eq(msg, "sql: no rows in result set");
	/* the owner lists it as pending */
	snprintf(params, sizeof(params), "[\"%s\"]", cid);
	got = NULL;
	for (double t0 = fltime_mono_ms(); fltime_mono_ms() - t0 < 5000; fltime_sleep_ms(100)) {
		got = call(base, "wakuext_pendingRequestsToJoinForCommunity", params, msg,
			   sizeof(msg));
		if (json_array_size(got))
			break;
		json_decref(got);
		got = NULL;
	}
	ck_assert_msg(got != NULL, "the request never reached the owner");
	fx = fixture(SG_REST "pendingRequestsToJoinForCommunity.json");
	same_keys("pendingRequestsToJoinForCommunity[0]", json_array_get(fx, 0),
		  json_array_get(got, 0));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(got, 0), "id")), rid);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(got, 0), "publicKey")),
			 key_b);
	json_decref(fx);
	json_decref(got);

	/* accepted by id: Bob a member, the request at state 3, no longer pending */
	snprintf(params, sizeof(params), "[{\"id\":\"%s\"}]", rid);
	got = call(base, "wakuext_acceptRequestToJoinCommunity", params, msg, sizeof(msg));
	fx = fixture(SG_REST "acceptRequestToJoinCommunity.json");
	same_keys("acceptRequestToJoinCommunity", fx, got);
	same_keys("acceptRequestToJoinCommunity communities[0]", FIRST(fx, "communities"),
		  FIRST(got, "communities"));
	ck_assert_ptr_nonnull(
	    json_object_get(json_object_get(FIRST(got, "communities"), "members"), key_b));
	ck_assert_int_eq(json_object_size(json_object_get(FIRST(got, "communities"), "chats")), 1);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(FIRST(got, "requestsToJoinCommunity"), "state")), 3);
	json_decref(fx);
	json_decref(got);
	snprintf(params, sizeof(params), "[\"%s\"]", cid);
	got = call(base, "wakuext_pendingRequestsToJoinForCommunity", params, msg, sizeof(msg));
	ck_assert_int_eq(json_array_size(got), 0);
	json_decref(got);

	/* Bob has joined once the acceptance arrived */
	got = NULL;
	for (double t0 = fltime_mono_ms(); fltime_mono_ms() - t0 < 5000; fltime_sleep_ms(100)) {
		got = call(base + 1, "wakuext_joinedCommunities", "[]", msg, sizeof(msg));
		if (json_array_size(got))
			break;
		json_decref(got);
		got = NULL;
	}
	ck_assert_msg(got != NULL, "Bob never joined");
	fx = fixture(SG_REST "joinedCommunities.json");
	same_keys("joinedCommunities[0]", json_array_get(fx, 0), json_array_get(got, 0));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(got, 0), "id")), cid);
	ck_assert(json_is_true(json_object_get(json_array_get(got, 0), "joined")));
	json_decref(fx);
	json_decref(got);

	/* status-cli prints no line for any of it */
	e = slurp("alice", "err");
	ck_assert_ptr_null(strstr(e, "message received:"));
	free(e);
	e = slurp("bob", "err");
	ck_assert_ptr_null(strstr(e, "message received:"));
	free(e);
}
END_TEST

Suite *labnode_statuscli_suite(void)
{
	Suite *s = suite_create("labnode_statuscli");
	TCase *tc = tcase_create("loopback");

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_statuscli_mode);
	tcase_add_test(tc, test_statuscli_bad_command_lines);
	tcase_add_test(tc, test_statuscli_communities);
	suite_add_tcase(s, tc);
	return s;
}
