#include "agents/iptc_rules.h"

#include "common/cleanup.h"
#include "common/fltime.h"

#include <errno.h>
#include <fcntl.h>
#include <libiptc/libiptc.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <netinet/in.h>
#include <stdalign.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#define IPTC_RULES_LOCK "/run/xtables.lock"
#define IPTC_RULES_LOCK_WAIT_MS 5000
#define IPTC_RULES_ATTEMPTS 10
#define IPTC_RULES_ENTRY_MAX 256
#define IPTC_RULES_SWEEP_MAX 256

FL_DEFINE_AUTO(struct xtc_handle, iptc_free)

/* One transaction's body: makes changes through h; the caller commits. */
typedef int (*iptc_rules_body)(struct xtc_handle *h, const void *ctx, struct fl_error *err);

/* Takes the lock iptables takes; waits up to IPTC_RULES_LOCK_WAIT_MS for another holder. */
static int iptc_rules_lock(struct fl_error *err)
{
	cleanup_close int fd = open(IPTC_RULES_LOCK, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	uint64_t deadline = fltime_mono_ns() + (uint64_t)IPTC_RULES_LOCK_WAIT_MS * 1000000u;

	if (fd < 0)
		return fl_err_errno(err, "open %s", IPTC_RULES_LOCK);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return fl_err_errno(err, "flock %s", IPTC_RULES_LOCK);
		if (fltime_mono_ns() > deadline)
			return fl_err(err, "%s: held by another process for %d ms", IPTC_RULES_LOCK,
				      IPTC_RULES_LOCK_WAIT_MS);
		/* 0.1 ms: a run asks several agents at once, and each holder keeps the lock for
		 * well under a millisecond; 1 ms polls left the lock idle most of the time */
		nanosleep(&(struct timespec){.tv_nsec = 100000}, NULL);
	}
	return steal_fd(&fd);
}

/* Runs body in a fresh filter-table handle and commits, under the lock, redoing the whole
 * transaction when the commit loses a race (EAGAIN). */
static int iptc_rules_txn(iptc_rules_body body, const void *ctx, struct fl_error *err)
{
	cleanup_close int lock = iptc_rules_lock(err);

	if (lock < 0)
		return -1;
	for (int attempt = 0; attempt < IPTC_RULES_ATTEMPTS; attempt++) {
		FL_AUTO(iptc_free) struct xtc_handle *h = iptc_init("filter");
		int r;

		if (!h)
			return fl_err(err, "iptc_init(filter): %s", iptc_strerror(errno));
		r = body(h, ctx, err);
		if (r < 0)
			return -1;
		if (iptc_commit(h))
			return r;
		if (errno != EAGAIN)
			return fl_err(err, "iptc_commit: %s", iptc_strerror(errno));
	}
	return fl_err(err, "iptc_commit: table kept changing (EAGAIN %d times)",
		      IPTC_RULES_ATTEMPTS);
}

/* Lays out one entry in buf: the match part from the rule, then a target: a standard
 * verdict or jump named `target`, or NFQUEUE when nfq is given. Returns the entry. */
static struct ipt_entry *iptc_rules_entry(unsigned char *buf, const char *target,
					  const struct xt_NFQ_info_v3 *nfq)
{
	struct ipt_entry *e = (struct ipt_entry *)buf;
	struct xt_entry_target *t;
	size_t tsize;

	memset(buf, 0, IPTC_RULES_ENTRY_MAX);
	tsize = nfq ? XT_ALIGN(sizeof(*t)) + XT_ALIGN(sizeof(*nfq))
		    : XT_ALIGN(sizeof(struct xt_standard_target));
	e->target_offset = XT_ALIGN(sizeof(*e));
	e->next_offset = (uint16_t)(e->target_offset + tsize);
	t = (struct xt_entry_target *)(buf + e->target_offset);
	t->u.user.target_size = (uint16_t)tsize;
	snprintf(t->u.user.name, sizeof(t->u.user.name), "%s", target);
	if (nfq) {
		t->u.user.revision = 3;
		memcpy(t->data, nfq, sizeof(*nfq));
	}
	return e;
}

/* -s src -d dst -p tcp --sport sport --dport dport -j DROP: the entry, one "tcp" match (the
 * xt_tcpudp module, built with x_tables), then the verdict. */
static struct ipt_entry *iptc_rules_tcp4(unsigned char *buf, const struct iptc_rule_spec *r)
{
	struct ipt_entry *e = (struct ipt_entry *)buf;
	size_t msize = XT_ALIGN(sizeof(struct xt_entry_match)) + XT_ALIGN(sizeof(struct xt_tcp));
	size_t tsize = XT_ALIGN(sizeof(struct xt_standard_target));
	struct xt_entry_match *m = (struct xt_entry_match *)(buf + XT_ALIGN(sizeof(*e)));
	struct xt_tcp *tcp = (struct xt_tcp *)m->data;
	struct xt_standard_target *t;

	memset(buf, 0, IPTC_RULES_ENTRY_MAX);
	e->ip.src.s_addr = r->src_addr;
	e->ip.smsk.s_addr = 0xffffffffu;
	e->ip.dst.s_addr = r->dst_addr;
	e->ip.dmsk.s_addr = 0xffffffffu;
	e->ip.proto = IPPROTO_TCP;
	e->target_offset = (uint16_t)(XT_ALIGN(sizeof(*e)) + msize);
	e->next_offset = (uint16_t)(e->target_offset + tsize);
	m->u.user.match_size = (uint16_t)msize;
	snprintf(m->u.user.name, sizeof(m->u.user.name), "tcp");
	tcp->spts[0] = tcp->spts[1] = r->sport;
	tcp->dpts[0] = tcp->dpts[1] = r->dport;
	t = (struct xt_standard_target *)(buf + e->target_offset);
	t->target.u.user.target_size = (uint16_t)tsize;
	snprintf(t->target.u.user.name, sizeof(t->target.u.user.name), "%s", IPTC_LABEL_DROP);
	return e;
}

static void iptc_rules_not_lo(struct ipt_entry *e, int output)
{
	char *name = output ? e->ip.outiface : e->ip.iniface;
	unsigned char *mask = output ? e->ip.outiface_mask : e->ip.iniface_mask;

	strcpy(name, "lo");
	memset(mask, 0xff, strlen("lo") + 1);
	e->ip.invflags |= output ? IPT_INV_VIA_OUT : IPT_INV_VIA_IN;
}

/* Builds the entry for one spec in buf. */
static struct ipt_entry *iptc_rules_build(unsigned char *buf, const struct iptc_rule_spec *r,
					  int output, struct fl_error *err)
{
	struct xt_NFQ_info_v3 nfq = {0};
	struct ipt_entry *e;

	switch (r->kind) {
	case IPTC_RULE_DROP_SRC:
		e = iptc_rules_entry(buf, IPTC_LABEL_DROP, NULL);
		e->ip.src.s_addr = r->src_addr;
		e->ip.smsk.s_addr = 0xffffffffu;
		return e;
	case IPTC_RULE_DROP_ALL_BUT_LO:
		e = iptc_rules_entry(buf, IPTC_LABEL_DROP, NULL);
		iptc_rules_not_lo(e, output);
		return e;
	case IPTC_RULE_NFQUEUE:
		nfq.queuenum = r->queue_num;
		nfq.queues_total = 1;
		nfq.flags = NFQ_FLAG_BYPASS;
		return iptc_rules_entry(buf, "NFQUEUE", &nfq);
	case IPTC_RULE_DROP_TCP4:
		return iptc_rules_tcp4(buf, r);
	}
	fl_err(err, "unknown rule kind %d", (int)r->kind);
	return NULL;
}

struct iptc_rules_many {
	const struct iptc_rules_chain *chains;
	size_t n;
};

static int iptc_rules_install_one(struct xtc_handle *h, const struct iptc_rules_chain *c,
				  struct fl_error *err)
{
	alignas(8) unsigned char buf[IPTC_RULES_ENTRY_MAX];
	int output = strcmp(c->hook, "OUTPUT") == 0;
	struct ipt_entry *e;

	if (iptc_is_chain(c->chain, h))
		return fl_err(err, "chain %s already exists", c->chain);
	if (!iptc_create_chain(c->chain, h))
		return fl_err(err, "create chain %s: %s", c->chain, iptc_strerror(errno));
	for (size_t i = 0; i < c->n; i++) {
		e = iptc_rules_build(buf, &c->rules[i], output, err);
		if (!e)
			return -1;
		if (!iptc_append_entry(c->chain, e, h))
			return fl_err(err, "append rule %zu to %s: %s", i + 1, c->chain,
				      iptc_strerror(errno));
	}
	e = iptc_rules_entry(buf, c->chain, NULL);
	if (!iptc_insert_entry(c->hook, e, 0, h))
		return fl_err(err, "insert jump %s -> %s: %s", c->hook, c->chain,
			      iptc_strerror(errno));
	return 0;
}

static int iptc_rules_install_body(struct xtc_handle *h, const void *ctx, struct fl_error *err)
{
	const struct iptc_rules_many *m = ctx;

	for (size_t i = 0; i < m->n; i++)
		if (iptc_rules_install_one(h, &m->chains[i], err) < 0)
			return -1;
	return 0;
}

static int iptc_rules_check_names(const char *chain, const char *hook, struct fl_error *err)
{
	if (strlen(chain) == 0 || strlen(chain) > IPTC_RULES_CHAIN_MAX)
		return fl_err(err, "chain name \"%s\" must have 1 to %d characters", chain,
			      IPTC_RULES_CHAIN_MAX);
	if (strcmp(hook, "INPUT") != 0 && strcmp(hook, "OUTPUT") != 0)
		return fl_err(err, "hook \"%s\" must be INPUT or OUTPUT", hook);
	return 0;
}

static int iptc_rules_check_many(const struct iptc_rules_chain *chains, size_t n,
				 struct fl_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (iptc_rules_check_names(chains[i].chain, chains[i].hook, err) < 0)
			return -1;
	return 0;
}

int iptc_rules_install_many(const struct iptc_rules_chain *chains, size_t n, struct fl_error *err)
{
	struct iptc_rules_many m = {chains, n};

	if (iptc_rules_check_many(chains, n, err) < 0 ||
	    iptc_rules_txn(iptc_rules_install_body, &m, err) < 0)
		return fl_wrap(err, "iptables install %s in %s%s", chains[0].chain, chains[0].hook,
			       n > 1 ? " and more" : "");
	return 0;
}

int iptc_rules_install(const char *chain, const char *hook, const struct iptc_rule_spec *rules,
		       size_t n, struct fl_error *err)
{
	struct iptc_rules_chain c = {chain, hook, rules, n};

	return iptc_rules_install_many(&c, 1, err);
}

/* Deletes every rule of builtin chain `hook` that jumps to a chain accepted by `match`. */
static int iptc_rules_unhook(struct xtc_handle *h, const char *hook,
			     int (*match)(const char *target, const void *arg), const void *arg,
			     struct fl_error *err)
{
	int again = 1;

	while (again) {
		const struct ipt_entry *e = iptc_first_rule(hook, h);
		unsigned num = 0;

		again = 0;
		for (; e; e = iptc_next_rule(e, h), num++) {
			if (!match(iptc_get_target(e, h), arg))
				continue;
			if (!iptc_delete_num_entry(hook, num, h))
				return fl_err(err, "delete jump %u from %s: %s", num, hook,
					      iptc_strerror(errno));
			again = 1; /* the cached iteration is stale now */
			break;
		}
	}
	return 0;
}

static int iptc_rules_drop_chain(struct xtc_handle *h, const char *chain, struct fl_error *err)
{
	if (!iptc_flush_entries(chain, h))
		return fl_err(err, "flush %s: %s", chain, iptc_strerror(errno));
	if (!iptc_delete_chain(chain, h))
		return fl_err(err, "delete chain %s: %s", chain, iptc_strerror(errno));
	return 0;
}

static int iptc_rules_is_name(const char *target, const void *arg)
{
	return target && strcmp(target, arg) == 0;
}

static int iptc_rules_remove_body(struct xtc_handle *h, const void *ctx, struct fl_error *err)
{
	const struct iptc_rules_many *m = ctx;

	for (size_t i = 0; i < m->n; i++) {
		const struct iptc_rules_chain *c = &m->chains[i];

		if (!iptc_is_chain(c->chain, h))
			continue;
		if (iptc_rules_unhook(h, c->hook, iptc_rules_is_name, c->chain, err) < 0 ||
		    iptc_rules_drop_chain(h, c->chain, err) < 0)
			return -1;
	}
	return 0;
}

int iptc_rules_remove_many(const struct iptc_rules_chain *chains, size_t n, struct fl_error *err)
{
	struct iptc_rules_many m = {chains, n};

	if (iptc_rules_check_many(chains, n, err) < 0 ||
	    iptc_rules_txn(iptc_rules_remove_body, &m, err) < 0)
		return fl_wrap(err, "iptables remove %s from %s%s", chains[0].chain, chains[0].hook,
			       n > 1 ? " and more" : "");
	return 0;
}

int iptc_rules_remove(const char *chain, const char *hook, struct fl_error *err)
{
	struct iptc_rules_chain c = {chain, hook, NULL, 0};

	return iptc_rules_remove_many(&c, 1, err);
}

static int iptc_rules_has_prefix(const char *target, const void *arg)
{
	return target && strncmp(target, arg, strlen(arg)) == 0;
}

static int iptc_rules_sweep_body(struct xtc_handle *h, const void *ctx, struct fl_error *err)
{
	static const char *const hooks[] = {"INPUT", "FORWARD", "OUTPUT"};
	const char *prefix = ctx;
	char names[IPTC_RULES_SWEEP_MAX][32];
	int n = 0;

	for (const char *c = iptc_first_chain(h); c && n < IPTC_RULES_SWEEP_MAX;
	     c = iptc_next_chain(h))
		if (iptc_rules_has_prefix(c, prefix))
			snprintf(names[n++], sizeof(names[0]), "%s", c);
	for (size_t i = 0; i < FL_ARRAY_SIZE(hooks); i++)
		if (iptc_rules_unhook(h, hooks[i], iptc_rules_has_prefix, prefix, err) < 0)
			return -1;
	for (int i = 0; i < n; i++)
		if (iptc_rules_drop_chain(h, names[i], err) < 0)
			return -1;
	return n;
}

int iptc_rules_sweep(const char *prefix, struct fl_error *err)
{
	int n;

	if (strlen(prefix) < 3)
		return fl_err(err, "iptables sweep: prefix \"%s\" is too short to be a run's",
			      prefix);
	n = iptc_rules_txn(iptc_rules_sweep_body, prefix, err);
	if (n < 0)
		return fl_wrap(err, "iptables sweep %s*", prefix);
	return n;
}
