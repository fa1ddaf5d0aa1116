/* Levelled logging to stderr. Human text on a tty (or when asked), JSON lines when asked
 * (log_init(level, LOG_JSON) or FL_LOG_FORMAT=json). The macros check the level before
 * anything is formatted, so a debug line on a hot path costs one compare. */
#ifndef FL_LOG_H
#define FL_LOG_H

#include "common/error.h"

#include <stdio.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };
enum log_format { LOG_TEXT, LOG_JSON };

extern enum log_level log_min_level;

/* Sets the level and format; FL_LOG_LEVEL (debug|info|warn|error) and FL_LOG_FORMAT
 * (text|json) in the environment override the arguments. `component` tags every line. */
void log_init(const char *component, enum log_level level, enum log_format fmt);
int log_level_parse(const char *s, enum log_level *out);
void log_write(enum log_level level, const char *file, int line, const char *fmt, ...)
    FL_PRINTF(4, 5);

/* Writes s escaped for the inside of a JSON string (no quotes around it): " and \ get a
 * backslash, other bytes below 0x20 become \u00XX, the rest (UTF-8 too) is copied. */
void log_json_escape(FILE *f, const char *s);

#define fl_log(level, ...)                                                                         \
	do {                                                                                       \
		if ((level) >= log_min_level)                                                      \
			log_write((level), __FILE__, __LINE__, __VA_ARGS__);                       \
	} while (0)
#define log_debug(...) fl_log(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) fl_log(LOG_INFO, __VA_ARGS__)
#define log_warn(...) fl_log(LOG_WARN, __VA_ARGS__)
#define log_error(...) fl_log(LOG_ERROR, __VA_ARGS__)

#endif
