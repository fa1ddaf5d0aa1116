#include "common/fltime.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

static uint64_t ts_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t fltime_mono_ns(void)
{
	return ts_ns(CLOCK_MONOTONIC);
}

double fltime_mono_ms(void)
{
	return (double)ts_ns(CLOCK_MONOTONIC) / 1e6;
}

uint64_t fltime_real_ns(void)
{
	return ts_ns(CLOCK_REALTIME);
}

void fltime_utc_string(uint64_t real_ns, int compact, char *buf, unsigned len)
{
	time_t s = (time_t)(real_ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void fltime_sleep_ms(double ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
			      .tv_nsec = (long)((ms - (double)(long)(ms / 1000) * 1000) * 1e6)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
