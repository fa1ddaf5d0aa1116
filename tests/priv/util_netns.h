/* A test fixture: two network namespaces joined by a veth pair, with addresses, made with
 * iproute2 (tests may shell out; shipped code uses libnl). Names carry the test's pid, so
 * parallel runners never collide. */
#ifndef FL_TEST_UTIL_NETNS_H
#define FL_TEST_UTIL_NETNS_H

#include <stddef.h>

struct test_pair {
	char ns_a[32], ns_b[32]; /* names under /run/netns */
	char if_a[16], if_b[16]; /* interface in ns_a, in ns_b */
	char addr_a[16], addr_b[16];
};

/* Creates the pair on 10.213.254.0/24 (net = third-octet override when non-zero). */
int test_pair_up(struct test_pair *p, int net);
void test_pair_down(struct test_pair *p);
/* Pins each end's neighbour entry for the other (nud permanent): traffic between the two
 * then needs no ARP, and works even when the host's shared neighbour table is full. */
int test_pair_pin_neigh(const struct test_pair *p);
/* Whether a UDP datagram sent from namespace `from` reaches to_addr in namespace `to` within
 * timeout_ms (one every 130 ms; returns at the first that arrives). */
int test_udp_reaches(const char *from, const char *to, const char *to_addr, int timeout_ms);
/* Runs a shell command inside a namespace; returns its exit status. */
int test_ns_sh(const char *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads one line (without its newline) from fd within timeout_ms: 1, or 0 on timeout/EOF. */
int test_read_line(int fd, char *buf, size_t len, int timeout_ms);
/* True when running as root with namespaces available. */
int test_can_netns(void);

#endif
