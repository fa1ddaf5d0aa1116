#include "agents/nfq_engine.h"

#include "agents/nfq_draw.h"
#include "agents/nfq_heap.h"
#include "agents/nfq_pkt.h"
#include "common/cleanup.h"
#include "common/fltime.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>

#define NFQ_ENGINE_BUF (256 * 1024)
/* Release packets due within this much of now in the same wake-up. */
#define NFQ_ENGINE_SLACK_NS 20000
/* Arrivals may wait for the next release this long (see nfq_engine_listen). */
#define NFQ_ENGINE_DEFER_NS 2000000

enum {
	NFQ_ENGINE_STAT_PACKETS,
	NFQ_ENGINE_STAT_PASSED,
	NFQ_ENGINE_STAT_DROPPED,
	NFQ_ENGINE_STAT_DUP,
	NFQ_ENGINE_STAT_CORRUPT,
	NFQ_ENGINE_STAT_REORDER,
	NFQ_ENGINE_STAT_DELAYED,
	NFQ_ENGINE_STAT_ERRORS,
	NFQ_ENGINE_STAT_CPU,
	NFQ_ENGINE_STAT_HELD,
	NFQ_ENGINE_STAT_RELEASED,
	NFQ_ENGINE_STAT_LATE_NS,
	NFQ_ENGINE_STAT_LATE_MAX,
	NFQ_ENGINE_NSTATS
};

struct nfq_engine {
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	int nfq_fd, timer_fd, stop_fd, epoll_fd, raw_fd;
	pthread_t thread;
	int started;
	int ifindex;
	unsigned hooks;
	int listening; /* nfq_fd in the epoll set */
	int ts_fd;     /* a socket with SO_TIMESTAMPNS: received packets carry their time */
	uint32_t pass; /* the verdict that lets a packet go: NF_ACCEPT or on to the next queue */
	int copy_packet;
	struct nfq_draw draw;
	int16_t *table;
	struct nfq_heap heap;
	uint64_t seq, armed_ns;
	uint64_t stat[NFQ_ENGINE_NSTATS];
	uint8_t buf[NFQ_ENGINE_BUF];
};

static void nfq_engine_count(struct nfq_engine *e, int which)
{
	__atomic_add_fetch(&e->stat[which], 1, __ATOMIC_RELAXED);
}

static void nfq_engine_verdict(struct nfq_engine *e, uint32_t id, uint32_t verdict,
			       const uint8_t *data, uint32_t len)
{
	if (nfq_set_verdict(e->qh, id, verdict, data ? len : 0, data) < 0)
		nfq_engine_count(e, NFQ_ENGINE_STAT_ERRORS);
}

/* Sends a duplicate: the route to its destination carries it (a copy of an inbound packet
 * goes to this host over lo), the mark lets it pass our own rule. */
static void nfq_engine_inject(struct nfq_engine *e, uint8_t *pkt, uint32_t len)
{
	struct sockaddr_in to = {.sin_family = AF_INET};

	if (len < 20 || nfq_pkt_fix_checksums(pkt, len) < 0) {
		nfq_engine_count(e, NFQ_ENGINE_STAT_ERRORS);
		return;
	}
	memcpy(&to.sin_addr, pkt + 16, 4);
	if (sendto(e->raw_fd, pkt, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0)
		nfq_engine_count(e, NFQ_ENGINE_STAT_ERRORS);
}

static void nfq_engine_release(struct nfq_engine *e, struct nfq_heap_entry *x)
{
	if (x->action == NFQ_HEAP_INJECT)
		nfq_engine_inject(e, x->data, x->len);
	else
		nfq_engine_verdict(e, x->packet_id, e->pass, x->data, x->len);
	free(x->data);
	if (x->action != NFQ_HEAP_INJECT)
		__atomic_sub_fetch(&e->stat[NFQ_ENGINE_STAT_HELD], 1, __ATOMIC_RELAXED);
}

static void nfq_engine_arm(struct nfq_engine *e)
{
	const struct nfq_heap_entry *top = nfq_heap_peek(&e->heap);
	struct itimerspec its = {0};

	if (!top) {
		/* Disarming also clears a pending expiry, which we never read(). */
		if (e->armed_ns == 0)
			timerfd_settime(e->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
		return;
	}
	if (top->due_ns == e->armed_ns)
		return;
	its.it_value.tv_sec = (time_t)(top->due_ns / 1000000000u);
	its.it_value.tv_nsec = (long)(top->due_ns % 1000000000u);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(e->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		e->armed_ns = top->due_ns;
}

/* Releases everything due by now (all of it when `all`), then re-arms the timer. */
static void nfq_engine_run_due(struct nfq_engine *e, int all)
{
	uint64_t now = fltime_mono_ns() + NFQ_ENGINE_SLACK_NS;
	const struct nfq_heap_entry *top;
	struct nfq_heap_entry x;

	while ((top = nfq_heap_peek(&e->heap)) && (all || top->due_ns <= now)) {
		uint64_t late;

		nfq_heap_pop(&e->heap, &x);
		nfq_engine_release(e, &x);
		late = fltime_mono_ns() - x.due_ns;
		if (all || late > (1ull << 62))
			continue;
		nfq_engine_count(e, NFQ_ENGINE_STAT_RELEASED);
		__atomic_add_fetch(&e->stat[NFQ_ENGINE_STAT_LATE_NS], late, __ATOMIC_RELAXED);
		if (late > e->stat[NFQ_ENGINE_STAT_LATE_MAX])
			__atomic_store_n(&e->stat[NFQ_ENGINE_STAT_LATE_MAX], late,
					 __ATOMIC_RELAXED);
	}
	e->armed_ns = 0;
	nfq_engine_arm(e);
}

static uint8_t *nfq_engine_copy(const uint8_t *data, int len)
{
	uint8_t *c = fl_xmalloc(len > 0 ? (size_t)len : 1);

	if (len > 0)
		memcpy(c, data, (size_t)len);
	return c;
}

/* Holds the packet (and its duplicate) until due. */
static void nfq_engine_hold(struct nfq_engine *e, uint32_t id, uint64_t due, uint8_t *mod,
			    const uint8_t *payload, int len, int dup)
{
	struct nfq_heap_entry x = {.due_ns = due,
				   .seq = e->seq++,
				   .packet_id = id,
				   .action = NFQ_HEAP_ACCEPT,
				   .data = mod,
				   .len = len > 0 ? (uint32_t)len : 0};

	nfq_heap_push(&e->heap, &x);
	nfq_engine_count(e, NFQ_ENGINE_STAT_HELD);
	if (dup) {
		x = (struct nfq_heap_entry){.due_ns = due,
					    .seq = e->seq++,
					    .action = NFQ_HEAP_INJECT,
					    .data = nfq_engine_copy(payload, len),
					    .len = x.len};
		nfq_heap_push(&e->heap, &x);
	}
	if (due < e->armed_ns || !e->armed_ns)
		nfq_engine_arm(e);
}

/* 0: the packet is ours to shape; otherwise the verdict to pass it untouched with. A
 * duplicate we sent (our mark) is accepted at once; a packet of another interface or of a
 * hook this fault does not shape goes on like a shaped one would. */
/* When the packet arrived (CLOCK_MONOTONIC): its kernel receive time when it has one and
 * that is recent (an older one means it waited elsewhere first, e.g. in an ingress tbf,
 * and netem's delay starts when it reaches us), else now. */
static uint64_t nfq_engine_arrival(struct nfq_data *nfa, uint64_t now)
{
	struct timeval tv;
	struct timespec rt;
	int64_t age;

	if (nfq_get_timestamp(nfa, &tv) < 0 || tv.tv_sec == 0)
		return now;
	clock_gettime(CLOCK_REALTIME, &rt);
	age = ((int64_t)rt.tv_sec - tv.tv_sec) * 1000000000 + (rt.tv_nsec - tv.tv_usec * 1000);
	if (age < 0 || age > 2 * NFQ_ENGINE_DEFER_NS)
		return now;
	return now - (uint64_t)age;
}

static uint32_t nfq_engine_skip(struct nfq_engine *e, struct nfq_data *nfa, uint8_t hook)
{
	if (nfq_get_nfmark(nfa) == NFQ_ENGINE_MARK)
		return NF_ACCEPT;
	if (hook == NF_INET_LOCAL_IN) {
		if (!(e->hooks & NFQ_ENGINE_HOOK_IN) ||
		    (e->ifindex && nfq_get_indev(nfa) != (uint32_t)e->ifindex))
			return e->pass;
	} else if (hook == NF_INET_LOCAL_OUT) {
		if (!(e->hooks & NFQ_ENGINE_HOOK_OUT) ||
		    (e->ifindex && nfq_get_outdev(nfa) != (uint32_t)e->ifindex))
			return e->pass;
	}
	return 0;
}

static int nfq_engine_cb(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
			 void *data)
{
	struct nfq_engine *e = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	struct nfq_draw_decision d;
	unsigned char *payload = NULL;
	uint8_t *mod = NULL;
	uint32_t id;
	uint64_t now, due;
	uint32_t skip;
	int len;

	if (!ph)
		return 0;
	id = ntohl(ph->packet_id);
	if ((skip = nfq_engine_skip(e, nfa, ph->hook)) != 0) {
		nfq_engine_verdict(e, id, skip, NULL, 0);
		return 0;
	}
	nfq_engine_count(e, NFQ_ENGINE_STAT_PACKETS);
	len = nfq_get_payload(nfa, &payload);
	nfq_draw_packet(&e->draw, &d);
	if (d.drop) {
		nfq_engine_count(e, NFQ_ENGINE_STAT_DROPPED);
		nfq_engine_verdict(e, id, NF_DROP, NULL, 0);
		return 0;
	}
	d.dup = d.dup && len > 0;
	if (d.corrupt && len > 0 && (mod = nfq_engine_copy(payload, len)) &&
	    nfq_pkt_corrupt(mod, (size_t)len, rng_next(&e->draw.rng)) == 0)
		nfq_engine_count(e, NFQ_ENGINE_STAT_CORRUPT);
	if (d.dup)
		nfq_engine_count(e, NFQ_ENGINE_STAT_DUP);
	if (d.reorder)
		nfq_engine_count(e, NFQ_ENGINE_STAT_REORDER);
	now = fltime_mono_ns();
	due = nfq_draw_rate(&e->draw, nfq_engine_arrival(nfa, now) + (uint64_t)d.delay_ns,
			    len > 0 ? (uint32_t)len : 0);
	if (due <= now && !d.dup) {
		nfq_engine_count(e, NFQ_ENGINE_STAT_PASSED);
		nfq_engine_verdict(e, id, e->pass, mod, len > 0 ? (uint32_t)len : 0);
		free(mod);
		return 0;
	}
	nfq_engine_count(e, NFQ_ENGINE_STAT_DELAYED);
	nfq_engine_hold(e, id, due, mod, payload, len, d.dup);
	return 0;
}

/* One datagram (one packet) per readiness: epoll is level-triggered, so more queued ones
 * bring us straight back, without the extra recv() that would only say EAGAIN, and a timer
 * due meanwhile is served between them. */
static void nfq_engine_read(struct nfq_engine *e)
{
	ssize_t n = recv(e->nfq_fd, e->buf, sizeof(e->buf), MSG_DONTWAIT);

	if (n < 0) {
		if (errno == ENOBUFS)
			nfq_engine_count(e, NFQ_ENGINE_STAT_ERRORS);
		return;
	}
	nfq_handle_packet(e->h, (char *)e->buf, (int)n);
}

/* While a packet is due within NFQ_ENGINE_DEFER_NS the engine need not wake for arrivals:
 * the timer wakes it anyway and it then takes them with their kernel receive time, one
 * wake-up per packet instead of two (on a VM a wake-up costs more than the packet's work).
 * Only on INPUT, where packets carry that time; OUTPUT packets have none. */
static void nfq_engine_listen(struct nfq_engine *e)
{
	const struct nfq_heap_entry *top = nfq_heap_peek(&e->heap);
	int want = e->hooks != NFQ_ENGINE_HOOK_IN || e->ts_fd < 0 || !top ||
		   top->due_ns > fltime_mono_ns() + NFQ_ENGINE_DEFER_NS;
	struct epoll_event ev = {.events = want ? EPOLLIN : 0, .data.fd = e->nfq_fd};

	if (want != e->listening && epoll_ctl(e->epoll_fd, EPOLL_CTL_MOD, e->nfq_fd, &ev) == 0)
		e->listening = want;
}

static void nfq_engine_drain(struct nfq_engine *e)
{
	for (int i = 0; i < 1024; i++) {
		ssize_t n = recv(e->nfq_fd, e->buf, sizeof(e->buf), MSG_DONTWAIT);

		if (n < 0)
			return;
		nfq_handle_packet(e->h, (char *)e->buf, (int)n);
	}
}

static void nfq_engine_cpu(struct nfq_engine *e)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) == 0)
		__atomic_store_n(&e->stat[NFQ_ENGINE_STAT_CPU],
				 (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
				     (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec),
				 __ATOMIC_RELAXED);
}

static void *nfq_engine_main(void *arg)
{
	struct nfq_engine *e = arg;
	struct epoll_event ev[4];
	uint64_t cpu_next = 0;

	for (;;) {
		int n = epoll_wait(e->epoll_fd, ev, 4, 1000);

		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == e->stop_fd) {
				nfq_engine_run_due(e, 1);
				nfq_engine_cpu(e);
				return NULL;
			}
			if (fd == e->timer_fd) {
				/* No read(): re-arming (or disarming) in run_due resets the
				 * expiry count, one syscall less per released packet. */
				nfq_engine_run_due(e, 0);
				if (!e->listening)
					nfq_engine_drain(e);
			} else {
				nfq_engine_read(e);
			}
		}
		nfq_engine_listen(e);
		if (fltime_mono_ns() >= cpu_next) { /* getrusage is a syscall: not per packet */
			nfq_engine_cpu(e);
			cpu_next = fltime_mono_ns() + 100000000u;
		}
	}
}

static void nfq_engine_free(struct nfq_engine *e)
{
	if (e->qh)
		nfq_destroy_queue(e->qh);
	if (e->h)
		nfq_close(e->h);
	/* nfq_close closed nfq_fd. */
	int fds[] = {e->timer_fd, e->stop_fd, e->epoll_fd, e->raw_fd, e->ts_fd};

	for (size_t i = 0; i < FL_ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	nfq_heap_free(&e->heap);
	free(e->table);
	free(e);
}

static int nfq_engine_epoll_add(struct nfq_engine *e, int fd, struct fl_error *err)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	if (epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return fl_err_errno(err, "epoll_ctl");
	return 0;
}

static int nfq_engine_open_fds(struct nfq_engine *e, struct fl_error *err)
{
	uint32_t mark = NFQ_ENGINE_MARK;
	int one = 1;

	e->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	e->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	e->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (e->timer_fd < 0 || e->stop_fd < 0 || e->epoll_fd < 0)
		return fl_err_errno(err, "timerfd/eventfd/epoll");
	/* Any socket asking for timestamps makes the kernel stamp every received packet. */
	e->ts_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (e->ts_fd >= 0 &&
	    setsockopt(e->ts_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0) {
		close(e->ts_fd);
		e->ts_fd = -1;
	}
	e->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (e->raw_fd < 0)
		return fl_err_errno(err, "raw socket for duplicates");
	if (setsockopt(e->raw_fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0 ||
	    setsockopt(e->raw_fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0)
		return fl_err_errno(err, "raw socket options");
	if (nfq_engine_epoll_add(e, e->nfq_fd, err) < 0 ||
	    nfq_engine_epoll_add(e, e->timer_fd, err) < 0 ||
	    nfq_engine_epoll_add(e, e->stop_fd, err) < 0)
		return -1;
	return 0;
}

static int nfq_engine_bind(struct nfq_engine *e, const struct nfq_engine_cfg *cfg,
			   struct fl_error *err)
{
	uint32_t maxlen = cfg->queue_maxlen ? cfg->queue_maxlen : 65536;
	int one = 1;

	e->h = nfq_open();
	if (!e->h)
		return fl_err_errno(err, "nfq_open");
	e->qh = nfq_create_queue(e->h, cfg->queue_num, nfq_engine_cb, e);
	if (!e->qh)
		return fl_err_errno(err, "bind NFQUEUE %u", cfg->queue_num);
	if (nfq_set_mode(e->qh, e->copy_packet ? NFQNL_COPY_PACKET : NFQNL_COPY_META, 0xffff) < 0)
		return fl_err_errno(err, "NFQUEUE %u: copy mode", cfg->queue_num);
	if (nfq_set_queue_maxlen(e->qh, maxlen) < 0)
		return fl_err_errno(err, "NFQUEUE %u: queue length", cfg->queue_num);
	/* Beyond maxlen the kernel lets packets pass instead of dropping them. */
	if (nfq_set_queue_flags(e->qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN) < 0)
		log_warn("NFQUEUE %u: no fail-open: %s", cfg->queue_num, strerror(errno));
	e->nfq_fd = nfq_fd(e->h);
	nfnl_rcvbufsiz(nfq_nfnlh(e->h), 8 * 1024 * 1024);
	setsockopt(e->nfq_fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	return 0;
}

/* A delay engine is only as exact as its wake-ups: on a busy machine (CI, a lab of many
 * nodes) a normal thread waits milliseconds for a CPU. A low real-time priority fixes that;
 * the thread sleeps in epoll between packets (at 10 000 packets/s it uses ~15% of a core),
 * and the kernel's RT throttling bounds it regardless. Without the privilege: best effort. */
static void nfq_engine_priority(struct nfq_engine *e)
{
	struct sched_param sp = {.sched_priority = 10};
	const char *no = getenv("FL_NFQ_NO_RT");

	if (no && *no)
		return;
	errno = pthread_setschedparam(e->thread, SCHED_FIFO, &sp);
	if (errno)
		log_debug("nfq engine: no real-time priority: %s", strerror(errno));
}

struct nfq_engine *nfq_engine_start(const struct nfq_engine_cfg *cfg, struct fl_error *err)
{
	struct nfq_engine *e = fl_xcalloc(1, sizeof(*e));
	sigset_t all, old;

	e->nfq_fd = e->timer_fd = e->stop_fd = e->epoll_fd = e->raw_fd = e->ts_fd = -1;
	e->listening = 1;
	nfq_heap_init(&e->heap);
	e->ifindex = cfg->ifindex;
	e->hooks = cfg->hooks ? cfg->hooks : NFQ_ENGINE_HOOK_IN | NFQ_ENGINE_HOOK_OUT;
	e->pass = cfg->next_queue >= 0 && cfg->next_queue <= 0xffff
		      ? NF_QUEUE_NR((uint32_t)cfg->next_queue) | NF_VERDICT_FLAG_QUEUE_BYPASS
		      : NF_ACCEPT;
	e->copy_packet =
	    cfg->params.duplicate > 0 || cfg->params.corrupt > 0 || cfg->params.rate_bps > 0;
	if (cfg->table && cfg->table_n) {
		e->table = fl_xreallocarray(NULL, cfg->table_n, sizeof(*e->table));
		memcpy(e->table, cfg->table, cfg->table_n * sizeof(*e->table));
	}
	nfq_draw_init(&e->draw, &cfg->params, e->table, e->table ? cfg->table_n : 0);
	if (nfq_engine_bind(e, cfg, err) < 0 || nfq_engine_open_fds(e, err) < 0)
		goto fail;
	/* The thread starts with every signal blocked: the agent's signals are for its loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	errno = pthread_create(&e->thread, NULL, nfq_engine_main, e);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (errno)
		goto fail_errno;
	pthread_setname_np(e->thread, "fl-nfq");
	nfq_engine_priority(e);
	e->started = 1;
	return e;
fail_errno:
	fl_err_errno(err, "nfq engine");
fail:
	nfq_engine_free(e);
	return NULL;
}

void nfq_engine_stop(struct nfq_engine *e)
{
	uint64_t one = 1;

	if (!e)
		return;
	if (e->started) {
		if (write(e->stop_fd, &one, sizeof(one)) < 0)
			log_warn("nfq engine: stop: %s", strerror(errno));
		pthread_join(e->thread, NULL);
	}
	nfq_engine_free(e);
}

void nfq_engine_stats(struct nfq_engine *e, struct nfq_engine_stats *out)
{
	uint64_t s[NFQ_ENGINE_NSTATS];

	for (int i = 0; i < NFQ_ENGINE_NSTATS; i++)
		s[i] = __atomic_load_n(&e->stat[i], __ATOMIC_RELAXED);
	*out = (struct nfq_engine_stats){.packets = s[NFQ_ENGINE_STAT_PACKETS],
					 .passed = s[NFQ_ENGINE_STAT_PASSED],
					 .dropped = s[NFQ_ENGINE_STAT_DROPPED],
					 .duplicated = s[NFQ_ENGINE_STAT_DUP],
					 .corrupted = s[NFQ_ENGINE_STAT_CORRUPT],
					 .reordered = s[NFQ_ENGINE_STAT_REORDER],
					 .delayed = s[NFQ_ENGINE_STAT_DELAYED],
					 .errors = s[NFQ_ENGINE_STAT_ERRORS],
					 .cpu_us = s[NFQ_ENGINE_STAT_CPU],
					 .held = s[NFQ_ENGINE_STAT_HELD],
					 .released = s[NFQ_ENGINE_STAT_RELEASED],
					 .late_ns_sum = s[NFQ_ENGINE_STAT_LATE_NS],
					 .late_ns_max = s[NFQ_ENGINE_STAT_LATE_MAX]};
}
