/* Host-level probes: privileges, cgroup freezers, the Docker daemon, the kernel. */
#include "orchestrator/doctor/doctor.h"

#include "common/cleanup.h"
#include "common/hostprobe.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define CAP_NET_ADMIN_BIT 12

static unsigned long long host_cap_eff(void)
{
	cleanup_fclose FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long caps = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	return caps;
}

void doctor_probe_privileges(struct doctor_report *r)
{
	bool net_admin = (host_cap_eff() >> CAP_NET_ADMIN_BIT) & 1;

	r->root = geteuid() == 0 && net_admin;
	if (r->root)
		doctor_add(r, "privileges", DOCTOR_OK, "", "root with CAP_NET_ADMIN");
	else
		doctor_add(r, "privileges", DOCTOR_MISSING, "validate, plan and analyze only",
			   "uid %u%s; runs need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)",
			   (unsigned)geteuid(),
			   net_admin ? " with CAP_NET_ADMIN" : ", no CAP_NET_ADMIN");
}

/* One line per freezer (names from common/hostprobe: the agent's engine names), the layout
 * in the detail. The freezers are tried on a scratch child group, as the runtime will. */
static void doctor_probe_cgroups(struct doctor_report *r)
{
	struct hostprobe_cgroups cg;
	struct fl_error err = {0};
	const char *v1 = hostprobe_freezer_name(HOSTPROBE_FREEZER_V1);
	const char *v2 = hostprobe_freezer_name(HOSTPROBE_FREEZER_CGROUP2);
	const char *layout, *use;

	if (hostprobe_cgroups_read(NULL, &cg, &err) < 0) {
		doctor_add(r, v1, DOCTOR_MISSING, "", "%s", err.msg);
		doctor_add(r, v2, DOCTOR_MISSING, "freeze and suspend use SIGSTOP/SIGCONT", "%s",
			   err.msg);
		return;
	}
	layout = hostprobe_layout_name(cg.layout);
	r->freezer_v1 = hostprobe_cgroup_root_freezer(cg.v1_freezer) == HOSTPROBE_FREEZER_V1;
	r->freezer_v2 = hostprobe_cgroup_root_freezer(cg.v2) == HOSTPROBE_FREEZER_CGROUP2;
	if (cg.v1_freezer[0])
		doctor_add(
		    r, v1, r->freezer_v1 ? DOCTOR_OK : DOCTOR_MISSING, "", "%s at %s (%s layout)",
		    r->freezer_v1 ? "usable" : "mounted but not writable", cg.v1_freezer, layout);
	else
		doctor_add(r, v1, DOCTOR_MISSING, "", "no v1 freezer hierarchy mounted (%s layout)",
			   layout);
	use = r->freezer_v2   ? "freeze and suspend use cgroup.freeze"
	      : r->freezer_v1 ? "freeze and suspend use the v1 freezer"
			      : "freeze and suspend use SIGSTOP/SIGCONT";
	if (cg.v2[0])
		doctor_add(
		    r, v2, r->freezer_v2 ? DOCTOR_OK : DOCTOR_MISSING, use, "%s at %s (%s layout)",
		    r->freezer_v2 ? "cgroup.freeze usable" : "no cgroup.freeze", cg.v2, layout);
	else
		doctor_add(r, v2, DOCTOR_MISSING, use, "no cgroup2 mount (%s layout)", layout);
}

static size_t host_body(char *data, size_t size, size_t n, void *user)
{
	char *buf = user;
	size_t have = strlen(buf), add = size * n;

	if (have + add < 4096) {
		memcpy(buf + have, data, add);
		buf[have + add] = '\0';
	}
	return size * n;
}

static void doctor_probe_docker(struct doctor_report *r)
{
	char body[4096] = "";
	CURL *c = curl_easy_init();
	CURLcode rc = CURLE_FAILED_INIT;

	if (c) {
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, "/var/run/docker.sock");
		curl_easy_setopt(c, CURLOPT_URL, "http://localhost/version");
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, host_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
		rc = curl_easy_perform(c);
		curl_easy_cleanup(c);
	}
	json_t *v = rc == CURLE_OK ? json_loads(body, 0, NULL) : NULL;
	const char *api = json_string_value(json_object_get(v, "ApiVersion"));
	const char *ver = json_string_value(json_object_get(v, "Version"));

	if (api) {
		snprintf(r->docker_api, sizeof(r->docker_api), "%s", api);
		doctor_add(r, "docker", DOCTOR_OK, "runtime docker available",
			   "daemon %s, API %s at /var/run/docker.sock", ver ? ver : "?", api);
	} else {
		doctor_add(r, "docker", DOCTOR_MISSING, "runtime netns only",
			   "no daemon answers at /var/run/docker.sock (%s)",
			   rc == CURLE_OK ? "not a Docker API" : curl_easy_strerror(rc));
	}
	json_decref(v);
}

void doctor_probe_host(struct doctor_report *r)
{
	struct utsname u;

	doctor_probe_cgroups(r);
	doctor_probe_docker(r);
	if (uname(&u) == 0)
		snprintf(r->kernel, sizeof(r->kernel), "%s", u.release);
	doctor_add(r, "kernel", DOCTOR_OK, "", "%s %s %s", u.sysname, u.release, u.machine);
}
