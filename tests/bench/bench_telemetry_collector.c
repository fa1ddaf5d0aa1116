/* Ingest cost of the telemetry collector: POSTs of status-go's largest batch (a full retry
 * cache, 5000 ReceivedMessages records, MaxRetryCache in status-go's telemetry/client.go) to
 * /record-metrics over loopback, each on a fresh connection (a fresh rate-limit bucket), and
 * the time until the 201. Prints ms per push (p50, max) and records per second. The lab's
 * load is far lower: one push per node every 10 s. */
#include "common/fltime.h"
#include "orchestrator/telemetry/collector.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BENCH_PUSHES 10
#define BENCH_RECORDS 5000

static size_t sink(char *d, size_t sz, size_t nm, void *arg)
{
	return sz * nm;
}

static char *batch(void)
{
	size_t cap = (size_t)BENCH_RECORDS * 512 + 256, n = 0;
	char *b = malloc(cap);

	n += (size_t)snprintf(b + n, cap - n, "[");
	for (int i = 0; i < BENCH_RECORDS; i++)
		n += (size_t)snprintf(
		    b + n, cap - n,
		    "%s{\"id\":%d,\"telemetry_type\":\"ReceivedMessages\",\"telemetry_data\":[{"
		    "\"chatId\":\"contact-discovery-%d\",\"messageHash\":\"0x%064d\",\"messageId\":"
		    "\"0x%064d\",\"messageType\":\"CHAT_MESSAGE\",\"messageSize\":260,"
		    "\"receiverKeyUID\":\"0x%064d\",\"peerId\":\"16Uiu2HAm\",\"nodeName\":\"n%d\","
		    "\"sentAt\":1700000000,\"topic\":\"/t\",\"pubsubTopic\":\"/p\","
		    "\"statusVersion\":\"v\"}]}",
		    i ? "," : "", i, i % 5000, i, i, i % 50, i % 50);
	snprintf(b + n, cap - n, "]");
	return b;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	struct fl_error err = {0};
	char dir[64], url[96], cmd[96];
	double ms[BENCH_PUSHES], total = 0;

	snprintf(dir, sizeof(dir), "/tmp/tm-bench-%d", (int)getpid());
	mkdir(dir, 0755);
	int fd = collector_listen("127.0.0.1", 0, &err);
	struct collector *c = fd >= 0 ? collector_start(fd, dir, NULL, &err) : NULL;
	if (!c) {
		fprintf(stderr, "bench_telemetry_collector: %s\n", err.msg);
		return 1;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/record-metrics", collector_port(fd));
	char *body = batch();
	for (int i = 0; i < BENCH_PUSHES; i++) {
		CURL *h = curl_easy_init();
		long status = 0;
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
		double t0 = fltime_mono_ms();
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		ms[i] = fltime_mono_ms() - t0;
		total += ms[i];
		curl_easy_cleanup(h);
		if (status != 201) {
			fprintf(stderr, "bench_telemetry_collector: push %d got HTTP %ld\n", i,
				status);
			return 1;
		}
	}
	qsort(ms, BENCH_PUSHES, sizeof(*ms), cmp);
	printf("telemetry collector: %d pushes of %d records (%zu KiB): p50 %.1f ms, max %.1f ms, "
	       "%.0f records/s\n",
	       BENCH_PUSHES, BENCH_RECORDS, strlen(body) / 1024, ms[BENCH_PUSHES / 2],
	       ms[BENCH_PUSHES - 1], BENCH_PUSHES * BENCH_RECORDS / (total / 1000));
	free(body);
	collector_stop(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
