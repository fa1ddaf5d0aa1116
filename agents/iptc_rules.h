/* The agent's whole iptables interface (filter table, iptables-legacy through libiptc).
 *
 * Every change is one libiptc transaction (iptc_init → changes → iptc_commit) made while
 * holding the xtables lock (/run/xtables.lock, flock, the lock iptables itself takes), and a
 * commit that fails with EAGAIN (the table changed under us) is redone from a fresh handle.
 * Each fault owns one chain; the hook chain only holds a jump to it, so two faults never
 * touch each other's rules and removing one leaves the other intact. */
#ifndef FL_AGENT_IPTC_RULES_H
#define FL_AGENT_IPTC_RULES_H

#include "common/error.h"

#include <stddef.h>
#include <stdint.h>

/* Longest chain name iptables accepts as a jump target. */
#define IPTC_RULES_CHAIN_MAX 28

enum iptc_rule_kind {
	IPTC_RULE_DROP_SRC,	   /* -s src_addr -j DROP */
	IPTC_RULE_DROP_ALL_BUT_LO, /* ! -i lo -j DROP on INPUT, ! -o lo -j DROP on OUTPUT */
	IPTC_RULE_NFQUEUE,	   /* -j NFQUEUE --queue-num queue_num --queue-bypass */
	IPTC_RULE_DROP_TCP4, /* -s src_addr -d dst_addr -p tcp --sport sport --dport dport -j DROP
			      */
};

struct iptc_rule_spec {
	enum iptc_rule_kind kind;
	uint32_t src_addr;     /* network order; IPTC_RULE_DROP_SRC and _DROP_TCP4 */
	uint16_t queue_num;    /* IPTC_RULE_NFQUEUE only; always with --queue-bypass */
	uint32_t dst_addr;     /* network order; IPTC_RULE_DROP_TCP4 only (as the ports) */
	uint16_t sport, dport; /* host order */
};

/* Creates chain `chain` in table filter holding `rules` (in order) and inserts a jump to it
 * at the top of `hook` ("INPUT" or "OUTPUT"), in one commit. Fails if the chain exists. */
int iptc_rules_install(const char *chain, const char *hook, const struct iptc_rule_spec *rules,
		       size_t n, struct fl_error *err);
/* Several chains at once, in one commit (suspend's INPUT and OUTPUT chains). */
struct iptc_rules_chain {
	const char *chain, *hook;
	const struct iptc_rule_spec *rules;
	size_t n;
};
int iptc_rules_install_many(const struct iptc_rules_chain *chains, size_t n, struct fl_error *err);
/* Removes each chain and its jump (rules unused), in one commit; missing ones are fine. */
int iptc_rules_remove_many(const struct iptc_rules_chain *chains, size_t n, struct fl_error *err);
/* Removes the jumps to `chain` from `hook`, then the chain. A missing chain is not an error. */
int iptc_rules_remove(const char *chain, const char *hook, struct fl_error *err);
/* Removes every chain whose name starts with `prefix`, and every jump to one of them from
 * the built-in chains. Returns the number of chains removed, or -1. */
int iptc_rules_sweep(const char *prefix, struct fl_error *err);

#endif
