/* faultlab doctor: what this host can do for the lab, probed for real (a scratch network
 * namespace for everything that touches the network stack), and which fallback serves what
 * is missing. The run records the same findings in report.json's "environment". */
#ifndef FL_DOCTOR_H
#define FL_DOCTOR_H

#include <stdbool.h>

enum doctor_state { DOCTOR_OK, DOCTOR_MISSING, DOCTOR_SKIPPED };

struct doctor_probe {
	const char *name; /* "netem", "nfqueue", ... */
	enum doctor_state state;
	char detail[256]; /* what was found, or why not */
	char use[160];	  /* what faultlab will use for it ("" when nothing to say) */
};

#define DOCTOR_MAX_PROBES 16

struct doctor_report {
	struct doctor_probe probes[DOCTOR_MAX_PROBES];
	int n;
	char kernel[128];
	bool root, netns, netem, ifb, tbf, iptc, nft, nfqueue, freezer_v1, freezer_v2;
	char delay_engine[16]; /* "netem" | "nfqueue" | "none" */
	char freezer[16];      /* hostprobe_freezer_name(): "cgroup2" | "freezer-v1" | "sigstop" */
	char docker_api[16];   /* daemon API version, "" when no daemon answers */
};

/* The command that fixes a missing capability (probe name), or NULL. */
const char *doctor_fix(const char *probe);

/* Runs every probe. Never fails: a probe that cannot run is reported as missing/skipped. */
void doctor_run(struct doctor_report *r);

/* Probes inside a scratch network namespace (doctor_netns.c). Fills netns..nfqueue and
 * their probe lines. Needs root; without it they are reported as skipped. */
void doctor_probe_netns(struct doctor_report *r);
/* Root and CAP_NET_ADMIN (doctor_host.c). */
void doctor_probe_privileges(struct doctor_report *r);
/* Cgroup freezers, docker, kernel (doctor_host.c). */
void doctor_probe_host(struct doctor_report *r);

struct doctor_probe *doctor_add(struct doctor_report *r, const char *name, enum doctor_state st,
				const char *use, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
