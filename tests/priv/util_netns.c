#include "tests/priv/util_netns.h"

#include "common/fltime.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int test_ns_sh(const char *ns, const char *fmt, ...)
{
	char inner[1024], cmd[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(inner, sizeof(inner), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "ip netns exec %s sh -c '%s'", ns, inner);
	return sh(cmd);
}

int test_can_netns(void)
{
	return geteuid() == 0 && access("/proc/self/ns/net", R_OK) == 0;
}

int test_pair_up(struct test_pair *p, int net)
{
	static int seq;
	char cmd[2048];
	int id = (int)(getpid() % 10000) * 10 + (seq++ % 10);
	int octet = net ? net : 254;

	snprintf(p->ns_a, sizeof(p->ns_a), "fltest-%d-a", id);
	snprintf(p->ns_b, sizeof(p->ns_b), "fltest-%d-b", id);
	snprintf(p->if_a, sizeof(p->if_a), "flta%d", id);
	snprintf(p->if_b, sizeof(p->if_b), "fltb%d", id);
	snprintf(p->addr_a, sizeof(p->addr_a), "10.213.%d.1", octet);
	snprintf(p->addr_b, sizeof(p->addr_b), "10.213.%d.2", octet);
	snprintf(cmd, sizeof(cmd),
		 "set -e; ip netns add %1$s; ip netns add %2$s;"
		 " ip link add %3$s netns %1$s type veth peer name %4$s netns %2$s;"
		 " ip -n %1$s addr add %5$s/24 dev %3$s; ip -n %2$s addr add %6$s/24 dev %4$s;"
		 " ip -n %1$s link set %3$s up; ip -n %2$s link set %4$s up;"
		 " ip -n %1$s link set lo up; ip -n %2$s link set lo up;"
		 /* permanent neighbours: the ARP table is one for the whole host (gc_thresh3),
		  * and a big run elsewhere can fill it, which fails every resolution here
		  * with ENOBUFS; permanent entries are exempt from that limit */
		 " ip -n %1$s neigh replace %6$s dev %3$s nud permanent lladdr"
		 " $(ip -n %2$s -br link show dev %4$s | awk '{print $3}');"
		 " ip -n %2$s neigh replace %5$s dev %4$s nud permanent lladdr"
		 " $(ip -n %1$s -br link show dev %3$s | awk '{print $3}')",
		 p->ns_a, p->ns_b, p->if_a, p->if_b, p->addr_a, p->addr_b);
	if (sh(cmd) != 0) {
		test_pair_down(p);
		return -1;
	}
	return 0;
}

void test_pair_down(struct test_pair *p)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null",
		 p->ns_a, p->ns_b);
	sh(cmd);
}

int test_read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	uint64_t end = fltime_mono_ns() + (uint64_t)timeout_ms * 1000000u;
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)(((int64_t)end - (int64_t)fltime_mono_ns()) / 1000000);

		if (left < 0 || poll(&p, 1, left) <= 0 || read(fd, buf + n, 1) != 1)
			break;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return 1;
		}
		n++;
	}
	buf[n] = '\0';
	return 0;
}

/* The MAC address of ifname in namespace ns, "" when unknown. */
static void pair_mac(const char *ns, const char *ifname, char *mac, size_t len)
{
	char cmd[256];
	FILE *f;

	mac[0] = '\0';
	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /sys/class/net/%s/address 2>/dev/null", ns,
		 ifname);
	f = popen(cmd, "r");
	if (!f)
		return;
	if (!fgets(mac, (int)len, f))
		mac[0] = '\0';
	mac[strcspn(mac, "\n")] = '\0';
	pclose(f);
}

int test_pair_pin_neigh(const struct test_pair *p)
{
	char mac_a[32], mac_b[32], cmd[512];

	pair_mac(p->ns_a, p->if_a, mac_a, sizeof(mac_a));
	pair_mac(p->ns_b, p->if_b, mac_b, sizeof(mac_b));
	if (!mac_a[0] || !mac_b[0])
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "ip -n %s neigh replace %s lladdr %s dev %s nud permanent &&"
		 " ip -n %s neigh replace %s lladdr %s dev %s nud permanent",
		 p->ns_a, p->addr_b, mac_b, p->if_a, p->ns_b, p->addr_a, mac_a, p->if_b);
	return sh(cmd) == 0 ? 0 : -1;
}

/* A UDP socket made inside namespace ns (a socket keeps the namespace it was made in). */
static int udp_socket_in(const char *ns)
{
	char path[64];
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), fd, s = -1;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (home >= 0 && fd >= 0 && setns(fd, CLONE_NEWNET) == 0) {
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (setns(home, CLONE_NEWNET) < 0)
			abort(); /* the test would go on in the wrong namespace */
	}
	if (fd >= 0)
		close(fd);
	if (home >= 0)
		close(home);
	return s;
}

int test_udp_reaches(const char *from, const char *to, const char *to_addr, int timeout_ms)
{
	static int port = 41000;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)++port)};
	int rx = udp_socket_in(to), tx = udp_socket_in(from), got = 0;
	char buf[16];

	inet_pton(AF_INET, to_addr, &sa.sin_addr);
	if (rx >= 0 && tx >= 0 && bind(rx, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		for (int waited = 0; waited < timeout_ms && !got; waited += 130) {
			struct pollfd pf = {.fd = rx, .events = POLLIN};

			sendto(tx, "hi", 2, 0, (struct sockaddr *)&sa, sizeof(sa));
			got = poll(&pf, 1, 130) == 1 && recv(rx, buf, sizeof(buf), 0) == 2;
		}
	}
	if (rx >= 0)
		close(rx);
	if (tx >= 0)
		close(tx);
	return got;
}
