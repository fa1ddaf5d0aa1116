/* The driver table: every driver name a scenario or plan may use, in one place. */
#include "orchestrator/drivers/driver.h"

#include "common/cleanup.h"

#include <string.h>

static const struct driver_entry driver_table[] = {
    {"labnode", &driver_labnode_ops, 0},     {"jswaku", &driver_jswaku_ops, 0},
    {"waku-rest", &driver_waku_rest_ops, 0}, {"status-cli", &driver_status_cli_ops, 0},
    {"nwaku", &driver_waku_rest_ops, 1},     {"go-waku", &driver_waku_rest_ops, 1},
};
#define DRIVER_N (sizeof(driver_table) / sizeof(driver_table[0]))

const struct driver_ops *driver_default(void)
{
	return driver_table[0].ops;
}

const struct driver_ops *driver_find(const char *name)
{
	if (!name)
		return driver_default();
	for (size_t i = 0; i < DRIVER_N; i++)
		if (strcmp(driver_table[i].name, name) == 0)
			return driver_table[i].ops;
	return NULL;
}

const char *const *driver_names(void)
{
	static const char *names[DRIVER_N + 1];

	if (!names[0])
		for (size_t i = 0, k = 0; i < DRIVER_N; i++)
			if (!driver_table[i].alias)
				names[k++] = driver_table[i].name;
	return names;
}

static int driver_list_has(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

int driver_takes_reliability(const struct driver_ops *d, const char *layer)
{
	return d && driver_list_has(d->reliability, layer);
}

int driver_takes_role(const struct driver_ops *d, const char *role)
{
	return !d || !d->roles || driver_list_has(d->roles, role);
}

const char *const *driver_reliability_names(void)
{
	static const char *names[32];

	if (!names[0]) {
		size_t k = 0;

		for (size_t i = 0; i < DRIVER_N; i++)
			for (const char *const *r = driver_table[i].ops->reliability; r && *r; r++)
				if (!driver_list_has(names, *r) && k + 1 < FL_ARRAY_SIZE(names))
					names[k++] = *r;
	}
	return names;
}
