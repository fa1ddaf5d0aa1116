/* The netlink side of netem: one RTM_NEWQDISC message built with libnl's rtnl_netem_*
 * setters, then completed by hand (nla_put) with what libnl has no setter for: the 64-bit
 * latency and jitter, the rate, the Gilbert–Elliott loss model and the PRNG seed. */
#ifndef FL_AGENT_NETEM_NL_H
#define FL_AGENT_NETEM_NL_H

#include "agents/netem_plan.h"
#include "common/error.h"

#include <netlink/msg.h>
#include <stddef.h>
#include <stdint.h>

#ifndef TCA_NETEM_PRNG_SEED
#define TCA_NETEM_PRNG_SEED 14 /* kernel >= 6.10; older uapi headers lack it */
#endif

/* Builds the request that adds (flags: NLM_F_CREATE | NLM_F_EXCL ...) netem `handle` under
 * `parent` on ifindex. dist/dist_n: the delay table (NULL for uniform). The caller frees
 * the message with nlmsg_free. */
struct nl_msg *netem_nl_build(int ifindex, uint32_t parent, uint32_t handle, int flags,
			      const struct netem_plan *plan, const int16_t *dist, size_t dist_n,
			      struct fl_error *err);

#endif
