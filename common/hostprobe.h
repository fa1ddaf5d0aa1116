/* What the host gives the lab, probed one way for everyone: `faultlab doctor`, the runtimes
 * (where node cgroups go) and the agent (how a node is frozen) all read the cgroup layout and
 * the freezer from here, and name them with the same words.
 *
 * Cgroups come from /proc/self/mountinfo, so a private mount namespace (the tests' pure-v2
 * and v1-only layouts) is seen as it is: no path is assumed. A mount hidden under a later
 * mount on the same or a parent path is ignored.
 *
 * The network probes (hostprobe_net.c) add and remove a qdisc or link in the calling
 * thread's network namespace: call them only inside a scratch namespace. */
#ifndef FL_HOSTPROBE_H
#define FL_HOSTPROBE_H

#include "common/error.h"

#include <limits.h>
#include <stddef.h>

/* How the cgroup hierarchies are mounted (systemd's words). */
enum hostprobe_layout {
	HOSTPROBE_CG_NONE,    /* no cgroup mount at all */
	HOSTPROBE_CG_UNIFIED, /* cgroup2 only (Debian 12, current Ubuntu, Fedora) */
	HOSTPROBE_CG_HYBRID,  /* v1 controller hierarchies plus a cgroup2 mount */
	HOSTPROBE_CG_LEGACY,  /* v1 hierarchies only */
};

/* How a node is frozen, best first; the names are the engine names in the agent's replies,
 * the journal, report.json's environment and doctor's output. */
enum hostprobe_freezer {
	HOSTPROBE_FREEZER_NONE,	   /* "none" */
	HOSTPROBE_FREEZER_CGROUP2, /* "cgroup2": cgroup.freeze, cgroup.events "frozen 1" */
	HOSTPROBE_FREEZER_V1,	   /* "freezer-v1": freezer.state FROZEN */
	HOSTPROBE_FREEZER_SIGSTOP, /* "sigstop": SIGSTOP/SIGCONT of the process group */
};

struct hostprobe_cgroups {
	enum hostprobe_layout layout;
	char v2[PATH_MAX];	   /* the cgroup2 mount point, "" when none */
	char v1_freezer[PATH_MAX]; /* the v1 hierarchy with the freezer controller, "" when none */
};

const char *hostprobe_layout_name(enum hostprobe_layout l);
const char *hostprobe_freezer_name(enum hostprobe_freezer f);

/* Reads the cgroup mounts from mountinfo (NULL: /proc/self/mountinfo). -1 (err) when the
 * file cannot be read; a host without cgroups is HOSTPROBE_CG_NONE, not an error. */
int hostprobe_cgroups_read(const char *mountinfo, struct hostprobe_cgroups *cg,
			   struct fl_error *err);
/* The freezer interface cgroup directory dir offers: cgroup.freeze or freezer.state
 * writable; HOSTPROBE_FREEZER_NONE otherwise (never SIGSTOP: that is the caller's choice). */
enum hostprobe_freezer hostprobe_cgroup_dir_freezer(const char *dir);
/* The same for a hierarchy's root, asked of a scratch child group it makes and removes (a
 * root group has no cgroup.freeze). NONE when root is "" or no child can be made. */
enum hostprobe_freezer hostprobe_cgroup_root_freezer(const char *root);
/* Where node cgroups go: the cgroup2 mount when a child there can freeze, else the v1
 * freezer mount, else none. root gets the mount point ("" for none). */
enum hostprobe_freezer hostprobe_cgroup_pick(const struct hostprobe_cgroups *cg, char *root,
					     size_t len);

/* Adds a root qdisc of kind ("netem", "tbf") on lo of the current netns and deletes it.
 * 1: the kernel has it; 0: it does not (sch_<kind> missing); -1: another error. Whenever it
 * returns other than 1, err holds libnl's text. */
int hostprobe_qdisc(const char *kind, struct fl_error *err);
/* Creates an ifb device in the current netns and deletes it; 1, 0 or -1 as above. */
int hostprobe_ifb(struct fl_error *err);

#endif
