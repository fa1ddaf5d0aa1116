/* The runtime factory and what both backends share. */
#include "orchestrator/runtime/runtime_internal.h"

#include "common/cleanup.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

const struct runtime_ops *runtime_ops_find(const char *name)
{
	static const struct runtime_ops *const all[] = {&netns_ops, &docker_ops};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!name || strcmp(name, all[i]->name) == 0)
			return all[i];
	return NULL;
}

struct runtime *runtime_new(const char *name, struct fl_error *err)
{
	struct runtime *rt = fl_xcalloc(1, sizeof(*rt));
	int rc;

	if (!name || strcmp(name, "netns") == 0) {
		rt->ops = &netns_ops;
		rc = netns_init(rt, err);
	} else if (strcmp(name, "docker") == 0) {
		rt->ops = &docker_ops;
		rc = docker_init(rt, err);
	} else {
		fl_err(err, "unknown runtime \"%s\" (expected netns or docker)", name);
		rc = -1;
	}
	if (rc < 0) {
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
