/* The runtime factory and what both backends share. */
#include "orchestrator/runtime/runtime_internal.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The runtimes, the default first. */
static const struct runtime_ops *const runtime_table[] = {&netns_ops, &docker_ops};
#define RUNTIME_N (sizeof(runtime_table) / sizeof(runtime_table[0]))

const struct runtime_ops *runtime_ops_at(size_t i)
{
	return i < RUNTIME_N ? runtime_table[i] : NULL;
}

const struct runtime_ops *runtime_ops_find(const char *name)
{
	for (size_t i = 0; i < RUNTIME_N; i++)
		if (strcmp(runtime_table[i]->name, name) == 0)
			return runtime_table[i];
	return NULL;
}

const char *runtime_names(void)
{
	static char names[128];

	if (!names[0])
		for (size_t i = 0, off = 0; i < RUNTIME_N && off < sizeof(names); i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						i == 0		     ? ""
						: i + 1 == RUNTIME_N ? " or "
								     : ", ",
						runtime_table[i]->name);
	return names;
}

struct runtime *runtime_new(const char *name, struct fl_error *err)
{
	const struct runtime_ops *ops = name ? runtime_ops_find(name) : runtime_table[0];
	struct runtime *rt;

	if (!ops) {
		fl_err(err, "unknown runtime \"%s\" (expected %s)", name, runtime_names());
		return NULL;
	}
	rt = fl_xcalloc(1, sizeof(*rt));
	rt->ops = ops;
	if (ops->init(rt, err) < 0) {
		free(rt);
		return NULL;
	}
	return rt;
}

int runtime_node_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 48)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return name[0] != '.' && name[0] != '-';
}

static char *runtime_subst(const char *arg, const char *data)
{
	size_t n = 0, dl = strlen(data);
	const char *p;
	char *out, *o;

	for (p = arg; (p = strstr(p, "@DATA@")); p += 6)
		n++;
	out = fl_xmalloc(strlen(arg) + n * dl + 1);
	for (o = out, p = arg; *p;) {
		if (strncmp(p, "@DATA@", 6) == 0) {
			memcpy(o, data, dl);
			o += dl;
			p += 6;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

char **runtime_argv_expand(char *const *argv, const char *data_dir, struct fl_error *err)
{
	size_t n = 0;
	char **out;

	while (argv && argv[n])
		n++;
	if (n == 0) {
		fl_err(err, "empty command line");
		return NULL;
	}
	out = fl_xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = runtime_subst(argv[i], data_dir ? data_dir : "");
	return out;
}

void runtime_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}
