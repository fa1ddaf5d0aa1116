#include "agents/nfq_pkt.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <string.h>

static uint32_t nfq_pkt_sum(const uint8_t *data, size_t len, uint32_t sum)
{
	for (; len > 1; data += 2, len -= 2)
		sum += (uint32_t)data[0] << 8 | data[1];
	if (len)
		sum += (uint32_t)data[0] << 8;
	return sum;
}

uint16_t nfq_pkt_csum(const uint8_t *data, size_t len, uint32_t sum)
{
	sum = nfq_pkt_sum(data, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t nfq_pkt_ihl(const uint8_t *pkt, size_t len)
{
	size_t ihl;

	if (len < 20 || (pkt[0] >> 4) != 4)
		return 0;
	ihl = (size_t)(pkt[0] & 0xf) * 4;
	return ihl >= 20 && ihl <= len ? ihl : 0;
}

int nfq_pkt_fix_checksums(uint8_t *pkt, size_t len)
{
	size_t ihl = nfq_pkt_ihl(pkt, len), off;
	uint16_t c, frag;
	uint32_t pseudo;

	if (!ihl || (size_t)(pkt[2] << 8 | pkt[3]) != len)
		return -1;
	pkt[10] = pkt[11] = 0;
	c = nfq_pkt_csum(pkt, ihl, 0);
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
	frag = (uint16_t)(pkt[6] << 8 | pkt[7]);
	if (frag & 0x3fff) /* a fragment: the transport checksum spans the whole datagram */
		return 0;
	if (pkt[9] == IPPROTO_UDP && len - ihl >= 8)
		off = 6;
	else if (pkt[9] == IPPROTO_TCP && len - ihl >= 20)
		off = 16;
	else
		return 0;
	if (pkt[9] == IPPROTO_UDP && pkt[ihl + 6] == 0 && pkt[ihl + 7] == 0)
		return 0; /* UDP without a checksum stays so */
	pkt[ihl + off] = pkt[ihl + off + 1] = 0;
	pseudo = nfq_pkt_sum(pkt + 12, 8, 0) + pkt[9] + (uint32_t)(len - ihl);
	c = nfq_pkt_csum(pkt + ihl, len - ihl, pseudo);
	if (pkt[9] == IPPROTO_UDP && c == 0)
		c = 0xffff;
	pkt[ihl + off] = (uint8_t)(c >> 8);
	pkt[ihl + off + 1] = (uint8_t)c;
	return 0;
}

int nfq_pkt_corrupt(uint8_t *pkt, size_t len, uint64_t bit)
{
	size_t ihl = nfq_pkt_ihl(pkt, len);

	if (!ihl || len == ihl)
		return -1;
	bit %= (uint64_t)(len - ihl) * 8;
	pkt[ihl + bit / 8] ^= (uint8_t)(1u << (bit % 8));
	return 0;
}
