/* The kinds the agent serves, in the order `list` and errors name them. A kind's file
 * defines its `const struct fault_kind <name>_fault_kind`; add it here. */
#include "agents/fault.h"

#include <string.h>

const struct fault_kind *const fault_kinds[] = {
    &partition_fault_kind, &linkdown_fault_kind,  &freeze_fault_kind,	&suspend_fault_kind,
    &netem_fault_kind,	   &bandwidth_fault_kind, &conndrop_fault_kind, NULL,
};

const struct fault_kind *fault_kind_find(const char *name)
{
	for (const struct fault_kind *const *k = fault_kinds; *k; k++)
		if (strcmp((*k)->name, name) == 0)
			return *k;
	return NULL;
}
