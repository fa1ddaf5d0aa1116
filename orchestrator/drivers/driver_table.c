/* The driver table: every driver name a scenario or plan may use, in one place. */
#include "orchestrator/drivers/driver.h"

#include <string.h>

static const struct driver_entry driver_table[] = {
    {"labnode", &driver_labnode_ops, 0},       {"waku-rest", &driver_waku_rest_ops, 0},
    {"status-cli", &driver_status_cli_ops, 0}, {"nwaku", &driver_waku_rest_ops, 1},
    {"go-waku", &driver_waku_rest_ops, 1},
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
