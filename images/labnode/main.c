/* labnode: the reference node. Parses flags (README.md lists them), starts the node and its
 * REST surface on one event loop, and exits cleanly on SIGTERM/SIGINT. */
#include "common/log.h"
#include "common/units.h"
#include "images/labnode/ln_node.h"
#include "images/labnode/ln_rest.h"
#include "images/labnode/ln_statuscli.h"
#include "images/labnode/ln_telemetry.h"
#include "images/labnode/ln_rest_conns.h"

#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

enum {
	O_NAME = 256,
	O_ROLE,
	O_LISTEN,
	O_REST,
	O_PEER,
	O_EVENTS,
	O_DB,
	O_SEED,
	O_SEED_FILE,
	O_KEY,
	O_REL,
	O_PUBSUB,
	O_TRACES,
	O_RETENTION,
	O_RETRIES,
	O_PENDING_MAX,
	O_PENDING_BYTES,
	O_REST_MAX,
	O_VERSION,
	O_HELP,
	O_DUR,
	O_TELEMETRY
};

struct dur_flag {
	const char *name;
	size_t off;
};

#define DUR(n, field)                                                                              \
	{                                                                                          \
		n, offsetof(struct ln_config, field)                                               \
	}
static const struct dur_flag dur_flags[] = {
    DUR("keepalive", keepalive_ms),
    DUR("keepalive-timeout", keepalive_timeout_ms),
    DUR("backoff-base", backoff_base_ms),
    DUR("backoff-max", backoff_max_ms),
    DUR("seen-ttl", seen_ttl_ms),
    DUR("request-timeout", request_timeout_ms),
    DUR("sleep-threshold", sleep_threshold_ms),
    DUR("mvds-base", mvds_base_ms),
    DUR("mvds-max", mvds_max_ms),
    DUR("recovery-interval", recovery_interval_ms),
    DUR("recovery-window", recovery_window_ms),
    DUR("recovery-lag", recovery_lag_ms),
    DUR("sent-check-interval", sentcheck_interval_ms),
    DUR("sent-check-expiry", sentcheck_expiry_ms),
    DUR("telemetry-period", telemetry_period_ms),
    DUR("mvds-expiry", mvds_expiry_ms),
    DUR("rest-idle-timeout", rest_idle_timeout_ms),
};

static void usage(FILE *f)
{
	fprintf(f, "usage: labnode --name NAME --role relay|service|light [--listen ADDR:PORT]\n"
		   "  [--rest ADDR:PORT|off] [--peer ADDR:PORT ...] [--events FILE] [--db FILE]\n"
		   "  [--identity-seed N | --identity-file FILE | --key HEX] "
		   "[--reliability mvds,store-recovery,sent-check]\n"
		   "  [--pubsub-topic T] [--traces on|off] [--store-retention N]\n"
		   "  [--mvds-max-retries N] [--dm-pending-max N] [--dm-pending-bytes SIZE]\n"
		   "  [--rest-max-connections N] [--telemetry-url http://ADDR:PORT]\n"
		   "  [--<interval> DURATION ...]\n"
		   "   or: labnode serve|s [-n NAME] [-a KEY] [-p PORT] [-l] … [labnode options]\n"
		   "   or: labnode serve-account|sl -n NAME -kid KEY_UID … (status-cli mode)\n"
		   "intervals:");
	for (size_t i = 0; i < FL_ARRAY_SIZE(dur_flags); i++)
		fprintf(f, " --%s", dur_flags[i].name);
	fprintf(f, "\nsee images/labnode/README.md\n");
}

static int parse_reliability(const char *s, unsigned *out, struct fl_error *err)
{
	char buf[256], *save = NULL;

	*out = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "mvds"))
			*out |= LN_REL_MVDS;
		else if (!strcmp(t, "store-recovery"))
			*out |= LN_REL_STORE_RECOVERY;
		else if (!strcmp(t, "sent-check"))
			*out |= LN_REL_SENT_CHECK;
		else if (strcmp(t, "none"))
			return fl_err(err,
				      "--reliability: unknown layer \"%s\" (mvds, "
				      "store-recovery, sent-check)",
				      t);
	}
	return 0;
}

static int parse_long(const char *flag, const char *s, long *out, struct fl_error *err)
{
	char *end;

	*out = strtol(s, &end, 10);
	if (!*s || *end || *out < 0)
		return fl_err(err, "--%s: expected a non-negative integer, got \"%s\"", flag, s);
	return 0;
}

static int parse_role(const char *s, enum ln_role *r, struct fl_error *err)
{
	if (!strcmp(s, "relay"))
		*r = LN_ROLE_RELAY;
	else if (!strcmp(s, "service"))
		*r = LN_ROLE_SERVICE;
	else if (!strcmp(s, "light"))
		*r = LN_ROLE_LIGHT;
	else
		return fl_err(err, "--role: expected relay, service or light, got \"%s\"", s);
	return 0;
}

/* --identity-file: the seed (decimal) in a file, so that it is not on the command line where
 * any local user reads it (/proc/PID/cmdline). */
static int read_seed_file(const char *path, long *out, struct fl_error *err)
{
	char buf[64];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return fl_err_errno(err, "--identity-file %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return parse_long("identity-file", buf, out, err);
}

static int apply_opt(struct ln_config *c, int o, const char *name, const char *v,
		     struct fl_error *err)
{
	long l = 0;

	switch (o) {
	case O_NAME:
		snprintf(c->name, sizeof(c->name), "%s", v);
		return 0;
	case O_ROLE:
		return parse_role(v, &c->role, err);
	case O_LISTEN:
		snprintf(c->listen, sizeof(c->listen), "%s", v);
		return 0;
	case O_REST:
		snprintf(c->rest, sizeof(c->rest), "%s", v);
		return 0;
	case O_PEER:
		if (c->n_peers == LN_MAX_STATIC)
			return fl_err(err, "--peer: at most %d", LN_MAX_STATIC);
		c->peers[c->n_peers++] = (char *)v;
		return 0;
	case O_EVENTS:
		c->events_path = v;
		return 0;
	case O_DB:
		c->db_path = v;
		return 0;
	case O_SEED:
		if (parse_long(name, v, &l, err) < 0)
			return -1;
		c->seed = (uint64_t)l;
		c->has_seed = 1;
		return 0;
	case O_SEED_FILE:
		if (read_seed_file(v, &l, err) < 0)
			return -1;
		c->seed = (uint64_t)l;
		c->has_seed = 1;
		return 0;
	case O_KEY:
		snprintf(c->key_hex, sizeof(c->key_hex), "%s", v);
		return 0;
	case O_REL:
		return parse_reliability(v, &c->reliability, err);
	case O_PUBSUB:
		snprintf(c->pubsub, sizeof(c->pubsub), "%s", v);
		return 0;
	case O_TRACES:
		c->traces = strcmp(v, "off") != 0;
		return 0;
	case O_TELEMETRY:
		c->telemetry_url = v;
		return 0;
	case O_RETENTION:
		return parse_long(name, v, &c->store_retention, err);
	case O_RETRIES:
		if (parse_long(name, v, &l, err) < 0)
			return -1;
		c->mvds_max_retries = (int)l;
		return 0;
	case O_PENDING_MAX:
		return parse_long(name, v, &c->dm_pending_max, err);
	case O_PENDING_BYTES:
		if (units_parse_size(v, &c->dm_pending_bytes, err) < 0)
			return fl_wrap(err, "--%s", name);
		return 0;
	case O_REST_MAX:
		if (parse_long(name, v, &l, err) < 0)
			return -1;
		if (l < 2 * LN_REST_SPARE || l > 100000)
			return fl_err(err, "--%s: expected %d..100000, got %ld", name,
				      2 * LN_REST_SPARE, l);
		c->rest_max_conns = (unsigned)l;
		return 0;
	}
	for (size_t i = 0; i < FL_ARRAY_SIZE(dur_flags); i++) {
		if (strcmp(name, dur_flags[i].name))
			continue;
		int64_t *dst = (int64_t *)((char *)c + dur_flags[i].off);
		if (units_parse_duration_ms(v, dst, err) < 0)
			return fl_wrap(err, "--%s", name);
		return 0;
	}
	return fl_err(err, "unknown option --%s", name);
}

static int parse_args(int argc, char **argv, struct ln_config *c, struct fl_error *err)
{
	static struct option opts[64] = {
	    {"name", 1, 0, O_NAME},
	    {"role", 1, 0, O_ROLE},
	    {"listen", 1, 0, O_LISTEN},
	    {"rest", 1, 0, O_REST},
	    {"peer", 1, 0, O_PEER},
	    {"events", 1, 0, O_EVENTS},
	    {"db", 1, 0, O_DB},
	    {"identity-seed", 1, 0, O_SEED},
	    {"identity-file", 1, 0, O_SEED_FILE},
	    {"key", 1, 0, O_KEY},
	    {"reliability", 1, 0, O_REL},
	    {"pubsub-topic", 1, 0, O_PUBSUB},
	    {"traces", 1, 0, O_TRACES},
	    {"store-retention", 1, 0, O_RETENTION},
	    {"mvds-max-retries", 1, 0, O_RETRIES},
	    {"dm-pending-max", 1, 0, O_PENDING_MAX},
	    {"dm-pending-bytes", 1, 0, O_PENDING_BYTES},
	    {"rest-max-connections", 1, 0, O_REST_MAX},
	    {"version", 0, 0, O_VERSION},
	    {"help", 0, 0, O_HELP},
	};
	static int base = -1; /* the fixed flags above, then the intervals */
	int o, idx;

	if (base < 0) /* counted once: the intervals are added after the fixed flags */
		for (base = 0; opts[base].name; base++)
			;

	for (size_t i = 0; i < FL_ARRAY_SIZE(dur_flags); i++)
		opts[base + i] = (struct option){dur_flags[i].name, 1, 0, O_DUR};
	opts[base + FL_ARRAY_SIZE(dur_flags)] = (struct option){"telemetry-url", 1, 0, O_TELEMETRY};
	while ((o = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (o == '?') /* getopt named the option; the usage is one --help away */
			return fl_err(err, "bad command line (labnode --help lists the options)");
		if (o == O_HELP) {
			usage(stdout);
			exit(0);
		}
		if (o == O_VERSION) {
			printf("labnode %s\n", FL_VERSION);
			exit(0);
		}
		if (apply_opt(c, o, opts[idx].name, optarg, err) < 0)
			return -1;
	}
	if (optind < argc)
		return fl_err(err, "unexpected argument \"%s\"", argv[optind]);
	if (c->keepalive_ms <= 0 || c->keepalive_timeout_ms <= 0 || c->backoff_base_ms <= 0)
		return fl_err(err,
			      "--keepalive, --keepalive-timeout and --backoff-base must be > 0");
	if (c->backoff_max_ms < c->backoff_base_ms)
		c->backoff_max_ms = c->backoff_base_ms;
	return 0;
}

static void on_signal(struct ln_io *io, uint32_t events)
{
	struct signalfd_siginfo si;

	if (read(io->fd, &si, sizeof(si)) == sizeof(si))
		ln_loop_stop(io->arg);
}

static void on_idle(void *arg)
{
	struct ln_node *n = arg;

	ln_rest_run(n);
	ln_node_flush(n);
}

int main(int argc, char **argv)
{
	static struct ln_node node;
	static char log_name[96];
	struct fl_error err = {0};
	struct ln_loop *loop;
	struct ln_io sig = {0};
	sigset_t mask;
	int rc = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* Buffers of 64 KiB and more (message payloads, request bodies) get their own mappings
	 * and go back to the kernel when freed: glibc's default threshold grows with each such
	 * free, and an expired or evicted direct-message queue then stays in the heap. */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024);
	ln_config_defaults(&node.cfg);
	/* status-cli's command line (ln_statuscli.c), then labnode's own options */
	if (ln_statuscli_args(&argc, &argv, &node.cfg, &err) < 0 ||
	    parse_args(argc, argv, &node.cfg, &err) < 0) {
		fprintf(stderr, "labnode: %s\n", err.msg);
		return 2;
	}
	if (ln_statuscli_account(&node.cfg, &err) < 0) {
		fprintf(stderr, "labnode: %s\n", err.msg);
		return 1;
	}
	/* "labnode <name>: …" on stderr, as before common/log; LABNODE_DEBUG adds debug lines */
	snprintf(log_name, sizeof(log_name), "labnode %s", node.cfg.name);
	log_init(log_name, getenv("LABNODE_DEBUG") ? LOG_DEBUG : LOG_INFO, LOG_TEXT);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (!(loop = ln_loop_new(&err)))
		goto out;
	sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	sig.cb = on_signal;
	sig.arg = loop;
	if (sig.fd < 0 || ln_loop_add(loop, &sig, EPOLLIN, &err) < 0)
		goto out;
	if (ln_node_start(&node, loop, &err) < 0)
		goto out;
	if (ln_telemetry_start(&node, &err) < 0)
		goto out;
	if (strcmp(node.cfg.rest, "off") && ln_rest_start(&node, node.cfg.rest, &err) < 0)
		goto out;
	ln_loop_set_idle(loop, on_idle, &node);
	ln_statuscli_ready(&node);
	if (ln_loop_run(loop, &err) < 0)
		goto out;
	ln_statuscli_exiting();
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "labnode: %s\n", err.msg);
	ln_rest_stop(&node);
	ln_telemetry_stop(&node);
	ln_node_stop(&node);
	if (sig.fd > 0)
		close(sig.fd);
	ln_loop_free(loop);
	fflush(stdout);
	return rc;
}
