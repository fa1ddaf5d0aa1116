/* Clocks. Everything the lab measures uses the monotonic clock; wall time is for names. */
#ifndef FL_TIME_H
#define FL_TIME_H

#include <stdint.h>

uint64_t fltime_mono_ns(void);
double fltime_mono_ms(void);
uint64_t fltime_real_ns(void);
/* Writes the UTC time as "YYYYmmddTHHMMSSZ" (compact=1) or ISO-8601 "YYYY-mm-ddTHH:MM:SSZ". */
void fltime_utc_string(uint64_t real_ns, int compact, char *buf, unsigned len);
/* Sleeps for ms milliseconds, resuming after signals. */
void fltime_sleep_ms(double ms);

#endif
