#include "orchestrator/doctor/doctor.h"

#include "common/hostprobe.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct doctor_probe *doctor_add(struct doctor_report *r, const char *name, enum doctor_state st,
				const char *use, const char *fmt, ...)
{
	struct doctor_probe *p;
	va_list ap;

	if (r->n >= DOCTOR_MAX_PROBES)
		return NULL;
	p = &r->probes[r->n++];
	p->name = name;
	p->state = st;
	snprintf(p->use, sizeof(p->use), "%s", use ? use : "");
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
	return p;
}

/* What fixes each missing capability, as a command to run (root). */
static const struct {
	const char *probe, *fix;
} doctor_fixes[] = {
    {"privileges", "run faultlab as root (sudo faultlab ...)"},
    {"netns", "run as root on a kernel with network namespaces (CONFIG_NET_NS)"},
    {"netem", "modprobe sch_netem (Ubuntu: apt-get install linux-modules-extra-$(uname -r))"},
    {"tbf", "modprobe sch_tbf"},
    {"ifb", "modprobe ifb"},
    {"iptables-legacy", "apt-get install iptables && modprobe ip_tables iptable_filter"},
    {"nft", "modprobe nf_tables"},
    {"nfqueue", "modprobe nfnetlink_queue xt_NFQUEUE"},
    {"sock-diag", "modprobe inet_diag tcp_diag (mode reset: a kernel built with "
		  "CONFIG_INET_DIAG_DESTROY)"},
    {"freezer-v1", "mount -t cgroup -o freezer freezer /sys/fs/cgroup/freezer (or use cgroup2)"},
    {"cgroup2",
     "mount -t cgroup2 none /sys/fs/cgroup (or boot with systemd.unified_cgroup_hierarchy=1)"},
    {"docker", "apt-get install docker.io && systemctl start docker (or: tools/setup docker)"},
};

const char *doctor_fix(const char *probe)
{
	for (size_t i = 0; i < sizeof(doctor_fixes) / sizeof(doctor_fixes[0]); i++)
		if (strcmp(doctor_fixes[i].probe, probe) == 0)
			return doctor_fixes[i].fix;
	return NULL;
}

/* The decisions the agent makes from the same facts (docs/SCENARIO.md "what serves them"). */
static void doctor_decide(struct doctor_report *r)
{
	if (r->netem)
		snprintf(r->delay_engine, sizeof(r->delay_engine), "netem");
	else if (r->nfqueue && r->iptc)
		snprintf(r->delay_engine, sizeof(r->delay_engine), "nfqueue");
	else
		snprintf(r->delay_engine, sizeof(r->delay_engine), "none");
	snprintf(r->freezer, sizeof(r->freezer), "%s",
		 hostprobe_freezer_name(r->freezer_v2	? HOSTPROBE_FREEZER_CGROUP2
					: r->freezer_v1 ? HOSTPROBE_FREEZER_V1
							: HOSTPROBE_FREEZER_SIGSTOP));
}

void doctor_run(struct doctor_report *r)
{
	memset(r, 0, sizeof(*r));
	doctor_probe_privileges(r);
	doctor_probe_netns(r);
	doctor_probe_host(r);
	doctor_decide(r);
}
