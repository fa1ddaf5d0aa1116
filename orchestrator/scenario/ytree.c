/* libyaml events → struct ytree. The only file of faultlab that includes <yaml.h>. */
#include "orchestrator/scenario/ytree.h"

#include "common/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_NODES 2000000

struct ybuild {
	yaml_parser_t parser;
	struct scenario_mark *at;
	char *msg;
	size_t msg_len;
	size_t nodes;
	const char *data; /* the input, for the place of a reader error */
	size_t len;
};

static struct ytree *ybuild_fail(struct ybuild *b, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct ytree *ybuild_fail(struct ybuild *b, yaml_mark_t mark, const char *fmt, ...)
{
	va_list ap;

	b->at->line = (int)mark.line + 1;
	b->at->col = (int)mark.column + 1;
	va_start(ap, fmt);
	vsnprintf(b->msg, b->msg_len, fmt, ap);
	va_end(ap);
	return NULL;
}

/* A reader error (NUL, a control character, bad UTF-8) has no problem_mark in libyaml, only
 * a byte offset (yaml.h, struct yaml_parser_s: problem_offset, problem_value): its line and
 * column (in characters) come from the input. */
static void ybuild_reader_fail(struct ybuild *b)
{
	const yaml_parser_t *p = &b->parser;
	size_t off = p->problem_offset < b->len ? p->problem_offset : b->len;
	yaml_mark_t m = {0};

	for (size_t i = 0; i < off; i++) {
		if (b->data[i] == '\n')
			m.line++, m.column = 0;
		else if (((unsigned char)b->data[i] & 0xc0) != 0x80)
			m.column++;
	}
	if (p->problem_value >= 0)
		ybuild_fail(b, m, "invalid YAML: %s (byte 0x%02x)",
			    p->problem ? p->problem : "unreadable input",
			    (unsigned)p->problem_value);
	else
		ybuild_fail(b, m, "invalid YAML: %s", p->problem ? p->problem : "unreadable input");
}

static int ybuild_next(struct ybuild *b, yaml_event_t *ev)
{
	yaml_parser_t *p = &b->parser;

	if (yaml_parser_parse(p, ev))
		return 0;
	if (p->error == YAML_MEMORY_ERROR)
		fl_oom();
	if (p->error == YAML_READER_ERROR)
		return ybuild_reader_fail(b), -1;
	if (p->context)
		ybuild_fail(b, p->problem_mark, "invalid YAML: %s (%s)",
			    p->problem ? p->problem : "error", p->context);
	else
		ybuild_fail(b, p->problem_mark, "invalid YAML: %s",
			    p->problem ? p->problem : "error");
	return -1;
}

void ytree_free(struct ytree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		ytree_free(t->items[i]);
	free(t->items);
	free(t->value);
	free(t);
}

static struct ytree *ytree_new(struct ybuild *b, enum ytree_type type, yaml_mark_t mark)
{
	struct ytree *t;

	if (++b->nodes > YTREE_MAX_NODES)
		return ybuild_fail(b, mark, "document too large (more than %d values)",
				   YTREE_MAX_NODES);
	t = fl_xcalloc(1, sizeof(*t));
	t->type = type;
	t->mark.line = (int)mark.line + 1;
	t->mark.col = (int)mark.column + 1;
	return t;
}

static int ytree_push(struct ytree *t, struct ytree *child)
{
	if (t->n == 0 || (t->n >= 4 && (t->n & (t->n - 1)) == 0)) { /* 4, 8, 16, ... */
		size_t cap = t->n ? t->n * 2 : 4;
		t->items = fl_xreallocarray(t->items, cap, sizeof(*t->items));
	}
	t->items[t->n++] = child;
	return 0;
}

static struct ytree *ybuild_node(struct ybuild *b, yaml_event_t *ev, int depth);

static struct ytree *ybuild_scalar(struct ybuild *b, yaml_event_t *ev)
{
	struct ytree *t;
	size_t len = ev->data.scalar.length;

	if (strlen((const char *)ev->data.scalar.value) != len)
		return ybuild_fail(b, ev->start_mark, "a NUL character is not allowed in a value");
	t = ytree_new(b, YTREE_SCALAR, ev->start_mark);
	if (!t)
		return NULL;
	t->value = fl_xstrdup((const char *)ev->data.scalar.value);
	t->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return t;
}

/* Reads children until the end event of a sequence or mapping. */
static struct ytree *ybuild_collection(struct ybuild *b, yaml_event_t *start, int depth)
{
	int is_map = start->type == YAML_MAPPING_START_EVENT;
	yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
	struct ytree *t = ytree_new(b, is_map ? YTREE_MAP : YTREE_SEQ, start->start_mark);

	if (!t)
		return NULL;
	for (;;) {
		yaml_event_t ev;
		struct ytree *child;

		if (ybuild_next(b, &ev) < 0)
			goto fail;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return t;
		}
		if (is_map && t->n % 2 == 0 && ev.type != YAML_SCALAR_EVENT &&
		    ev.type != YAML_ALIAS_EVENT) {
			ybuild_fail(b, ev.start_mark, "a mapping key must be a plain word");
			yaml_event_delete(&ev);
			goto fail;
		}
		child = ybuild_node(b, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!child)
			goto fail;
		if (ytree_push(t, child) < 0) {
			ytree_free(child);
			goto fail;
		}
	}
fail:
	ytree_free(t);
	return NULL;
}

static struct ytree *ybuild_node(struct ybuild *b, yaml_event_t *ev, int depth)
{
	const yaml_char_t *anchor = NULL;

	if (depth > YTREE_MAX_DEPTH)
		return ybuild_fail(b, ev->start_mark, "nested more than %d levels deep",
				   YTREE_MAX_DEPTH);
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return ybuild_fail(b, ev->start_mark, "aliases (*%s) are not supported",
				   (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		break;
	default:
		return ybuild_fail(b, ev->start_mark, "unexpected YAML event");
	}
	if (anchor)
		return ybuild_fail(b, ev->start_mark, "anchors (&%s) are not supported",
				   (const char *)anchor);
	if (ev->type == YAML_SCALAR_EVENT)
		return ybuild_scalar(b, ev);
	return ybuild_collection(b, ev, depth);
}

/* Skips the stream and document starts; returns the root's first event, or -1. An empty
 * stream leaves ev->type == YAML_STREAM_END_EVENT. */
static int ybuild_root_event(struct ybuild *b, yaml_event_t *ev)
{
	for (;;) {
		if (ybuild_next(b, ev) < 0)
			return -1;
		if (ev->type != YAML_STREAM_START_EVENT && ev->type != YAML_DOCUMENT_START_EVENT)
			return 0;
		yaml_event_delete(ev);
	}
}

/* After the root: the document end, then the stream end (a second document is refused). */
static int ybuild_finish(struct ybuild *b)
{
	for (;;) {
		yaml_event_t ev;
		yaml_event_type_t type;

		if (ybuild_next(b, &ev) < 0)
			return -1;
		type = ev.type;
		if (type == YAML_DOCUMENT_START_EVENT) {
			ybuild_fail(b, ev.start_mark, "only one YAML document is allowed");
			yaml_event_delete(&ev);
			return -1;
		}
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			return 0;
	}
}

struct ytree *ytree_parse(const char *data, size_t len, struct scenario_mark *at, char *msg,
			  size_t msg_len)
{
	struct ybuild b = {.at = at, .msg = msg, .msg_len = msg_len, .data = data, .len = len};
	struct ytree *root = NULL;
	yaml_event_t ev;

	at->line = 1;
	at->col = 1;
	msg[0] = '\0';
	if (!yaml_parser_initialize(&b.parser))
		fl_oom(); /* libyaml's only failure here: YAML_MEMORY_ERROR */
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)data, len);
	if (ybuild_root_event(&b, &ev) == 0) {
		if (ev.type != YAML_STREAM_END_EVENT && ev.type != YAML_DOCUMENT_END_EVENT)
			root = ybuild_node(&b, &ev, 0);
		yaml_event_delete(&ev);
		if (root && ybuild_finish(&b) < 0) {
			ytree_free(root);
			root = NULL;
		}
	}
	yaml_parser_delete(&b.parser);
	return root;
}

const char *ytree_type_name(const struct ytree *t)
{
	switch (t->type) {
	case YTREE_SCALAR:
		return "a scalar";
	case YTREE_SEQ:
		return "a sequence";
	default:
		return "a mapping";
	}
}

struct ytree *ytree_get(const struct ytree *map, const char *key)
{
	if (!map || map->type != YTREE_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (strcmp(map->items[i]->value, key) == 0)
			return map->items[i + 1];
	return NULL;
}
