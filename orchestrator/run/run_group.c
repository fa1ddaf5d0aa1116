/* Group creation: a group traffic's first send (plan "create": true) is preceded, on the
 * same send thread, by the sender's creation of the group of its members (driver
 * group_create, named "<msg>.create", e.g. m3.create): each member learns of it from a
 * received message with that text, which the analyzer times. The journal's group-create line
 * says when the creator's node took it (issued_ms, done_ms) or why it refused. */
#include "orchestrator/run/run_int.h"

#include "common/log.h"

#include <stdio.h>

void run_group_create(struct run_ctx *c, const struct planread_event *e,
		      struct driver_node *const *to, size_t nto)
{
	struct run_node *from = &c->nt.rn[e->from];
	struct driver_sent out = {0};
	struct fl_error err = {0};
	char name[32];
	double issued, done;
	int rc;

	snprintf(name, sizeof(name), "%s.create", e->msg);
	issued = runjournal_now(&c->j);
	rc = from->drv->group_create(&from->dn, to, nto, name, &out, &err);
	done = runjournal_now(&c->j);
	runjournal_group_create(&c->j, e->id, e->msg, e->traffic, from->dn.name, issued, done,
				rc < 0 ? err.msg : NULL);
	if (rc < 0)
		log_warn("group of %s: %s", e->traffic, err.msg);
}
