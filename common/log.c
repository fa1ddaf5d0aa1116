#include "common/log.h"

#include "common/fltime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum log_level log_min_level = LOG_INFO;
static enum log_format log_fmt = LOG_TEXT;
static const char *log_component = "faultlab";
static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

int log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i <= LOG_OFF; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_init(const char *component, enum log_level level, enum log_format fmt)
{
	const char *env_level = getenv("FL_LOG_LEVEL");
	const char *env_fmt = getenv("FL_LOG_FORMAT");

	log_component = component;
	log_min_level = level;
	log_fmt = fmt;
	if (env_level)
		log_level_parse(env_level, &log_min_level);
	if (env_fmt)
		log_fmt = strcmp(env_fmt, "json") == 0 ? LOG_JSON : LOG_TEXT;
}

void log_json_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void log_write(enum log_level level, const char *file, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	flockfile(stderr);
	if (log_fmt == LOG_JSON) {
		fprintf(stderr,
			"{\"t_ms\":%.3f,\"level\":\"%s\",\"component\":\"%s\",\"src\":\"%s:%d\","
			"\"msg\":\"",
			fltime_mono_ms(), level_names[level], log_component, file, line);
		log_json_escape(stderr, msg);
		fputs("\"}\n", stderr);
	} else if (level == LOG_INFO) {
		fprintf(stderr, "%s: %s\n", log_component, msg);
	} else {
		fprintf(stderr, "%s: %s: %s\n", log_component, level_names[level], msg);
	}
	funlockfile(stderr);
}
