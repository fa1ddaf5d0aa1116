/* IPv4 packet surgery for the NFQUEUE engine: checksums of a re-injected or modified copy,
 * and netem-style corruption (one flipped bit past the IP header). */
#ifndef FL_AGENT_NFQ_PKT_H
#define FL_AGENT_NFQ_PKT_H

#include <stddef.h>
#include <stdint.h>

/* Recomputes the IPv4 header checksum and, for an unfragmented TCP or UDP packet, the
 * transport checksum. Returns -1 when pkt is not a whole IPv4 packet. */
int nfq_pkt_fix_checksums(uint8_t *pkt, size_t len);
/* Flips bit `bit` (taken modulo the bits after the IP header) of the packet; transport
 * checksums are left as they were, so the receiver's stack sees a damaged packet.
 * Returns -1 when there is nothing after the IP header. */
int nfq_pkt_corrupt(uint8_t *pkt, size_t len, uint64_t bit);
/* The ones'-complement sum of data folded into 16 bits (RFC 1071), starting from sum. */
uint16_t nfq_pkt_csum(const uint8_t *data, size_t len, uint32_t sum);

#endif
