/* Ingress shaping goes through an IFB device: the node's ingress qdisc redirects every
 * arriving packet (u32 match-all, mirred egress redirect) to ifb `flb<RUNID>`, whose egress
 * then carries the faultlab qdisc stack (agents/qdisc.h). One IFB per agent, shared by every
 * ingress fault and reference-counted: the first user creates it, the last removes it. */
#ifndef FL_AGENT_IFB_H
#define FL_AGENT_IFB_H

#include "common/error.h"

#include <stddef.h>

/* Writes "flb<run_id>" (≤ 15 characters for run ids of ≤ 12). */
void ifb_name(const char *run_id, char *out, size_t len);
/* Takes a reference on the IFB of node_ifindex, creating it and the redirect on first use.
 * On error nothing is left behind. */
int ifb_acquire(const char *run_id, int node_ifindex, int *ifb_ifindex, struct fl_error *err);
/* Drops the reference; the last one removes the redirect and the device. */
int ifb_release(struct fl_error *err);
/* Removes a leftover IFB of run_id and the node's ingress qdisc (a crashed agent's).
 * Returns 1 when it removed something, 0 when there was nothing. */
int ifb_sweep(const char *run_id, int node_ifindex, struct fl_error *err);

#endif
