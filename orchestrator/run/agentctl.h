/* The run's side of the faultlab-agent protocol (agents/README.md): one agent process per
 * node, JSON lines over pipes, synchronous request → reply with a timeout. The agent's stdin write
 * end is close-on-exec and held only here, so when the orchestrator dies (even by SIGKILL) the
 * agent reads EOF and reverts. */
#ifndef FL_AGENTCTL_H
#define FL_AGENTCTL_H

#include "common/error.h"
#include "orchestrator/scenario/fault_kind.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <limits.h>

/* What an agent was started with: kept to sweep its node and start it again after it died. */
struct agentctl_saved {
	char bin[PATH_MAX], run_id[16], netns[PATH_MAX], ifname[32], cgroup[PATH_MAX];
	char log_path[PATH_MAX];
	pid_t pgid;
};

struct agentctl {
	pid_t pid;
	int in_fd;   /* agent's stdin (we write) */
	int out_fd;  /* agent's stdout (we read) */
	int watched; /* out_fd is in the timeline's epoll set (0 again for every spawn) */
	char node[64];
	char buf[16384];
	size_t len;
	struct agentctl_saved saved;
};

struct agentctl_spec {
	const char *agent_bin; /* path of faultlab-agent */
	const char *run_id, *node, *netns_path, *ifname, *cgroup;
	pid_t pgid;
	const char *log_path; /* agent's stderr goes here (NULL: inherit) */
};

struct agentctl_reply {
	int ok;
	char engine[32];
	char error[512];
	long ack_us;
};

/* Starts the agent and waits (≤ 5 s) for its ready line. */
int agentctl_start(struct agentctl *a, const struct agentctl_spec *spec, struct fl_error *err);
/* The two halves of agentctl_start, to start many agents at once: spawn (fork + exec, no
 * wait), then await its ready line (≤ timeout_ms; on failure the agent is stopped). */
int agentctl_spawn(struct agentctl *a, const struct agentctl_spec *spec, struct fl_error *err);
int agentctl_await(struct agentctl *a, int timeout_ms, struct fl_error *err);
/* One fault for one node's agent, typed. */
struct agentctl_fault {
	const char *id;
	const struct fault_kind *kind; /* via FAULT_VIA_AGENT */
	int64_t lease_ms;
	uint64_t seed;
	const struct fault_params *params; /* the fields given are sent */
	const char *const *drop_from;	   /* groups kinds: the addresses this node drops */
	size_t n_drop_from;
};

/* The apply request line (newline included; malloc'd, NULL on ENOMEM): the one place where
 * the agent's params are written, field by field from the kind's table entry. */
char *agentctl_apply_request(const struct agentctl_fault *f);
/* -1 + err when the agent did not answer; an answer with ok:false is 0 with reply->ok = 0
 * and reply->error set. */
int agentctl_apply(struct agentctl *a, const struct agentctl_fault *f, struct agentctl_reply *reply,
		   struct fl_error *err);
int agentctl_revert(struct agentctl *a, const char *id, struct agentctl_reply *reply,
		    struct fl_error *err);
int agentctl_ping(struct agentctl *a, struct fl_error *err);
/* Restarts fault id's lease at lease_ms (the agent's "renew"). */
int agentctl_renew(struct agentctl *a, const char *id, int64_t lease_ms,
		   struct agentctl_reply *reply, struct fl_error *err);
/* The two halves of a call, to ask many agents at once: send one request line (-1 + err when
 * the agent's stdin is gone), then collect its reply until deadline_ms (fltime_mono_ms
 * clock). */
int agentctl_send(struct agentctl *a, const char *req, struct fl_error *err);
int agentctl_collect(struct agentctl *a, double deadline_ms, struct agentctl_reply *reply,
		     struct fl_error *err);
/* Between calls: reads what the agent wrote (event lines are logged and dropped). Returns 0,
 * or -1 when its stdout is at EOF (the agent is gone). */
int agentctl_pump(struct agentctl *a);
/* Reaps a dead agent (its fds closed, waited ≤ 1 s, then SIGKILL); why = "killed by SIGKILL",
 * "exited with code 1". */
void agentctl_reap(struct agentctl *a, char *why, size_t len);
/* `faultlab-agent --sweep` for the node of a (the saved spec), waited ≤ 10 s: removes what a
 * dead agent left (chains, qdiscs, a frozen or stopped node). 0, or -1 + err. */
int agentctl_sweep(const struct agentctl *a, struct fl_error *err);
/* Starts the agent again with its saved spec and waits (≤ timeout_ms) for its ready line. */
int agentctl_restart(struct agentctl *a, int timeout_ms, struct fl_error *err);
/* Closes its stdin (the agent reverts everything and exits), waits ≤ 2 s, then SIGKILL. */
void agentctl_stop(struct agentctl *a);
/* Finds faultlab-agent: $FL_AGENT, else next to the running binary, else PATH. */
void agentctl_find_bin(char *out, size_t len);

#endif
