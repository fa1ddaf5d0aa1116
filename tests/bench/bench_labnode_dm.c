/* Cost of labnode's direct-message reliability layers: extra bytes and extra messages on the
 * wire per delivered direct message, per layer, at 0% and 20% loss.
 *
 * Topology: A (sender) ─proxy─ S (service: relay + store) ─proxy─ B (receiver). Each proxy is
 * a lossy frame-aware TCP relay written here: it drops whole RELAY / FILTER_PUSH frames with
 * the given probability (both directions) and forwards everything else, counting the bytes
 * and frames that cross it. A sends N messages through JSON-RPC; B's --events file gives the
 * delivered ids. "Extra" is relative to the bytes/frames per message of the no-reliability
 * run at 0% loss. */
#include "common/fltime.h"
#include "common/rng.h"
#include "images/labnode/ln_frame.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_MSGS 60

struct proxy {
	int lfd, target_port;
	double loss;
	struct rng rng;
	pthread_mutex_t mu;
	long bytes, frames, relay_frames, dropped;
	volatile int stop;
};

static int base_port;
static char dir[64];

static int listen_on(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		perror("proxy listen");
		exit(1);
	}
	return fd;
}

static int dial(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Moves whole frames from in to fd, dropping relayed messages at the loss rate. */
static int pump(struct proxy *p, struct ln_buf *in, int fd)
{
	static __thread struct ln_frame f;
	struct fl_error err;
	size_t used;
	int r;

	while ((r = ln_frame_parse(ln_buf_head(in), ln_buf_used(in), &f, &used, &err)) == 1) {
		int relay = f.type == LN_F_RELAY || f.type == LN_F_FILTER_PUSH;
		pthread_mutex_lock(&p->mu);
		int drop = relay && rng_unit(&p->rng) < p->loss;
		p->bytes += (long)used;
		p->frames++;
		p->relay_frames += relay;
		p->dropped += drop;
		pthread_mutex_unlock(&p->mu);
		if (!drop && send(fd, ln_buf_head(in), used, MSG_NOSIGNAL) != (ssize_t)used)
			return -1;
		ln_buf_consume(in, used);
	}
	return r < 0 ? -1 : 0;
}

static void splice_conn(struct proxy *p, int a, int b)
{
	struct ln_buf buf[2] = {{0}, {0}};
	struct pollfd pf[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
	int fds[2] = {a, b};

	while (!p->stop && poll(pf, 2, 200) >= 0) {
		for (int k = 0; k < 2; k++) {
			if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ln_buf_reserve(&buf[k], 65536);
			ssize_t n = recv(fds[k], buf[k].data + buf[k].len, 65536, 0);
			if (n <= 0 || (buf[k].len += (size_t)n, pump(p, &buf[k], fds[1 - k]) < 0))
				goto out;
		}
	}
out:
	close(a);
	close(b);
	ln_buf_free(&buf[0]);
	ln_buf_free(&buf[1]);
}

struct conn_arg {
	struct proxy *p;
	int a, b;
};

static void *conn_thread(void *arg)
{
	struct conn_arg *c = arg;

	splice_conn(c->p, c->a, c->b);
	free(c);
	return NULL;
}

static void *proxy_thread(void *arg)
{
	struct proxy *p = arg;

	while (!p->stop) {
		struct pollfd pf = {p->lfd, POLLIN, 0};
		if (poll(&pf, 1, 200) <= 0)
			continue;
		int a = accept(p->lfd, NULL, NULL), b = dial(p->target_port);
		if (a < 0 || b < 0) {
			if (a >= 0)
				close(a);
			if (b >= 0)
				close(b);
			continue;
		}
		struct conn_arg *c = malloc(sizeof(*c));
		pthread_t th;
		*c = (struct conn_arg){p, a, b};
		pthread_create(&th, NULL, conn_thread, c);
		pthread_detach(th);
	}
	return NULL;
}

static pid_t spawn(const char *name, const char *role, int wire, int rest, int peer_port,
		   const char *rel)
{
	char listen[32], restb[32], peer[32], events[96];
	pid_t pid;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", wire);
	snprintf(restb, sizeof(restb), "127.0.0.1:%d", rest);
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", peer_port);
	snprintf(events, sizeof(events), "%s/%s.jsonl", dir, name);
	unlink(events);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		const char *argv[] = {"build/labnode",
				      "--name",
				      name,
				      "--role",
				      role,
				      "--listen",
				      listen,
				      "--rest",
				      restb,
				      "--traces",
				      "off",
				      "--events",
				      events,
				      "--reliability",
				      rel,
				      "--keepalive",
				      "1s",
				      "--keepalive-timeout",
				      "5s",
				      "--sleep-threshold",
				      "30s",
				      "--mvds-base",
				      "300ms",
				      "--mvds-max",
				      "2s",
				      "--recovery-interval",
				      "1s",
				      "--recovery-lag",
				      "0s",
				      "--sent-check-interval",
				      "500ms",
				      "--sent-check-expiry",
				      "10s",
				      peer_port ? "--peer" : NULL,
				      peer,
				      NULL};
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

struct body {
	char *p;
	size_t n;
};

static size_t collect(char *d, size_t sz, size_t nm, void *arg)
{
	struct body *b = arg;
	char *p = realloc(b->p, b->n + sz * nm + 1);

	memcpy(p + b->n, d, sz * nm);
	b->n += sz * nm;
	p[b->n] = '\0';
	b->p = p;
	return sz * nm;
}

static char *http(int port, const char *path, const char *post)
{
	CURL *c = curl_easy_init();
	struct body b = {calloc(1, 1), 0};
	char url[256];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	curl_easy_perform(c);
	curl_easy_cleanup(c);
	return b.p;
}

static int static_up(int rest)
{
	char *b = http(rest, "/admin/v1/peers", NULL);
	int up = strstr(b, "\"connected\":true,\"origin\":\"Static\"") != NULL;

	free(b);
	return up;
}

/* Distinct ids among B's "received" events. */
static int delivered(const char *name)
{
	char path[128], line[4096];
	static char ids[N_MSGS * 4][67];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.jsonl", dir, name);
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f) && n < N_MSGS * 4) {
		char *p = strstr(line, "\"event\":\"received\",\"id\":\"");
		int dup = 0;
		if (!p)
			continue;
		p += 26;
		for (int i = 0; i < n; i++)
			dup |= !strncmp(ids[i], p, 66);
		if (!dup)
			snprintf(ids[n++], 67, "%.66s", p);
	}
	fclose(f);
	return n;
}

struct result {
	int delivered;
	long bytes, frames, relay_frames;
};

static void run(const char *rel, double loss, struct result *res)
{
	struct proxy px[2];
	pthread_t th[2];
	pid_t kids[3];
	char *info, key[140] = "", body[512];
	int s_wire = base_port, pa = base_port + 5, pb = base_port + 6;

	base_port += 20;
	for (int k = 0; k < 2; k++) {
		memset(&px[k], 0, sizeof(px[k]));
		px[k].lfd = listen_on(k ? pb : pa);
		px[k].target_port = s_wire;
		px[k].loss = loss;
		rng_seed(&px[k].rng, 42 + (uint64_t)k);
		pthread_mutex_init(&px[k].mu, NULL);
		pthread_create(&th[k], NULL, proxy_thread, &px[k]);
	}
	kids[0] = spawn("S", "service", s_wire, s_wire + 10, 0, "");
	fltime_sleep_ms(200);
	kids[1] = spawn("A", "relay", s_wire + 1, s_wire + 11, pa, rel);
	kids[2] = spawn("B", "relay", s_wire + 2, s_wire + 12, pb, rel);
	for (int k = 0; k < 400 && !(static_up(s_wire + 11) && static_up(s_wire + 12)); k++)
		fltime_sleep_ms(50);
	fltime_sleep_ms(300); /* the service's side of both links */
	info = http(s_wire + 12, "/debug/v1/info", NULL);
	json_t *j = json_loads(info, 0, NULL);
	snprintf(key, sizeof(key), "%s", json_string_value(json_object_get(j, "publicKey")));
	json_decref(j);
	free(info);
	for (int k = 0; k < 2; k++) { /* count only the messages' traffic */
		pthread_mutex_lock(&px[k].mu);
		px[k].bytes = px[k].frames = px[k].relay_frames = px[k].dropped = 0;
		pthread_mutex_unlock(&px[k].mu);
	}
	for (int i = 0; i < N_MSGS; i++) {
		snprintf(
		    body, sizeof(body),
		    "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"wakuext_sendOneToOneMessage\","
		    "\"params\":[{\"id\":\"%s\",\"message\":\"m%d %0200d\"}]}",
		    i, key, i, 0);
		free(http(s_wire + 11, "/", body));
		fltime_sleep_ms(20);
	}
	double last_change = fltime_mono_ms();
	int got = 0;
	while (fltime_mono_ms() - last_change < 4000) {
		int now = delivered("B");
		if (now != got) {
			got = now;
			last_change = fltime_mono_ms();
		}
		if (got == N_MSGS && fltime_mono_ms() - last_change > 1500)
			break; /* let acks and late checks finish */
		fltime_sleep_ms(100);
	}
	res->delivered = delivered("B");
	res->bytes = res->frames = res->relay_frames = 0;
	for (int k = 0; k < 3; k++) {
		kill(kids[k], SIGTERM);
		waitpid(kids[k], NULL, 0);
	}
	for (int k = 0; k < 2; k++) {
		px[k].stop = 1;
		pthread_join(th[k], NULL);
		close(px[k].lfd);
		res->bytes += px[k].bytes;
		res->frames += px[k].frames;
		res->relay_frames += px[k].relay_frames;
	}
	fltime_sleep_ms(300); /* detached connection threads notice stop */
}

int main(void)
{
	static const char *layers[] = {"", "mvds", "store-recovery", "sent-check",
				       "mvds,store-recovery,sent-check"};
	static const double losses[] = {0, 0.2};
	struct result base, r;
	double b0, f0, m0;

	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	base_port =
	    2000 + (int)(getpid() % 1000) * 30; /* below the ephemeral range, the runs go up */
	snprintf(dir, sizeof(dir), "/tmp/bench-labnode-dm-%d", (int)getpid());
	mkdir(dir, 0755);
	run("", 0, &base);
	if (base.delivered != N_MSGS)
		fprintf(stderr, "bench_labnode_dm: baseline delivered %d of %d\n", base.delivered,
			N_MSGS);
	b0 = (double)base.bytes / N_MSGS;
	f0 = (double)base.frames / N_MSGS;
	m0 = (double)base.relay_frames / N_MSGS;
	printf("labnode direct messages, A -proxy- S(store) -proxy- B, %d messages of ~210 B, "
	       "loss on both proxies (whole relayed frames)\n",
	       N_MSGS);
	printf("baseline (no layer, 0%% loss): %.0f bytes, %.2f frames, %.2f relayed messages "
	       "per message on the two links\n",
	       b0, f0, m0);
	printf("%-32s %5s %10s %14s %14s %14s\n", "layers", "loss", "delivered", "extra B/dlv",
	       "extra frm/dlv", "extra msg/dlv");
	fflush(stdout); /* before the next fork, or the children flush a copy */
	for (size_t l = 0; l < sizeof(layers) / sizeof(layers[0]); l++) {
		for (size_t k = 0; k < 2; k++) {
			if (l == 0 && k == 0)
				r = base;
			else
				run(layers[l], losses[k], &r);
			double d = r.delivered ? r.delivered : 1;
			printf("%-32s %4.0f%% %5d/%-4d %14.0f %14.2f %14.2f\n",
			       layers[l][0] ? layers[l] : "none", losses[k] * 100, r.delivered,
			       N_MSGS, r.bytes / d - b0, r.frames / d - f0,
			       r.relay_frames / d - m0);
			fflush(stdout);
		}
	}
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
