/* The key-table walker: one table per mapping of docs/SCENARIO.md. */
#include "orchestrator/scenario/parse.h"

#include <stdio.h>
#include <string.h>

static void keys_list(const struct scenario_key *keys, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const struct scenario_key *k = keys; k->key && used < len; k++)
		used += snprintf(buf + used, len - used, "%s%s", k == keys ? "" : ", ", k->key);
}

static const struct scenario_key *keys_find(const struct scenario_key *keys, const char *key)
{
	for (const struct scenario_key *k = keys; k->key; k++)
		if (strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

/* Was this key already seen earlier in the mapping? */
static int keys_repeated(const struct ytree *map, size_t i)
{
	for (size_t j = 0; j < i; j += 2)
		if (strcmp(map->items[j]->value, map->items[i]->value) == 0)
			return 1;
	return 0;
}

int scenario_keys_walk(struct sparse *p, const struct ytree *map, const char *what,
		       const char *where, const struct scenario_key *keys, void *obj)
{
	char list[320];

	if (map->type != YTREE_MAP) {
		scenario_error_at(p, map->mark, "expected %s, got %s", what, ytree_type_name(map));
		return -1;
	}
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct ytree *key = map->items[i];
		const struct scenario_key *k = keys_find(keys, key->value);

		if (!k) {
			keys_list(keys, list, sizeof(list));
			scenario_error_at(p, key->mark,
					  "unknown key \"%s\" in %s (expected one of: %s)",
					  key->value, where, list);
		} else if (keys_repeated(map, i)) {
			scenario_error_at(p, key->mark, "key \"%s\" given twice in %s", key->value,
					  where);
		} else if (k->read) {
			k->read(p, map->items[i + 1], obj);
		}
	}
	for (const struct scenario_key *k = keys; k->key; k++)
		if (k->required && !ytree_get(map, k->key))
			scenario_error_at(p, map->mark, "missing key \"%s\" in %s", k->key, where);
	return 0;
}
