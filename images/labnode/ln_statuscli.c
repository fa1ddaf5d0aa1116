/* status-cli mode (ln_statuscli.h). Sources, status-go @ c72f491 (2024-10-23):
 * - cmd/status-cli/main.go: commands serve (alias s) with ServeFlags = name/n "Alice",
 *   add/a, port/p 8545, interactive/i + CommonFlags light/l, api-modules/m
 *   "waku,wakuext,wakuv2,permissions,eth", telemetry-server-url/t, debug/d,
 *   fleet/f "status.staging"; serve-account (alias sl) with name/n and key-uid/kid
 *   required, interactive/i, add/a, debug/d. urfave/cli v2 reads them like Go's flag
 *   package: -x or --x, "-x v" or "-x=v", a bool flag takes no separate value.
 * - serve.go: "Running <command> command, with:\n\t-<flag> <value>…" (before the logger
 *   is named, so without the name column), the messenger, the contact request of -a,
 *   "retrieve messages..." (the line test runners wait for), "message received: %v (ID=%v)",
 *   "message delivered: %v", "Exiting".
 * - util.go: zap.NewDevelopmentConfig() (console encoder on stderr, ISO 8601 time with the
 *   "Z0700" zone, capital level, short caller), "starting messenger", "account created, key
 *   UID: %v" / "existing account, key UID: %v", "messenger started, public key: ", the
 *   account under ./test-<lowercase name>, JSON-RPC on HTTPHost "127.0.0.1" and the port.
 * What labnode does not copy: the 5 s pause after the messenger starts, the fleets (-f is
 * read and ignored: peers come from labnode's own --peer, given after the status-cli flags
 * or in $LABNODE_ARGS). -t starts labnode's telemetry client (ln_telemetry.c) as
 * util.go starts status-go's. */
#include "images/labnode/ln_statuscli.h"

#include "common/xalloc.h"
#include "images/labnode/ln_dm.h"
#include "images/labnode/ln_node.h"
#include "images/labnode/ln_sha256.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

struct sc_flag {
	const char *name, *alias, *def; /* def NULL: required */
	int is_bool;
};

static const struct sc_flag sc_serve[] = {
    {"name", "n", "Alice", 0},
    {"add", "a", "", 0},
    {"port", "p", "8545", 0},
    {"interactive", "i", "false", 1},
    {"light", "l", "false", 1},
    {"api-modules", "m", "waku,wakuext,wakuv2,permissions,eth", 0},
    {"telemetry-server-url", "t", "", 0},
    {"debug", "d", "false", 1},
    {"fleet", "f", "status.staging", 0},
    {"help", "h", "false", 1}, /* urfave/cli appends it to every command's flags */
};

static const struct sc_flag sc_account[] = {
    {"name", "n", NULL, 0}, {"key-uid", "kid", NULL, 0}, {"interactive", "i", "false", 1},
    {"add", "a", "", 0},    {"debug", "d", "false", 1},	 {"help", "h", "false", 1},
};

#define SC_MAX_FLAGS 10

static struct {
	int on, account; /* account: serve-account */
	const struct sc_flag *flags;
	size_t n_flags;
	char val[SC_MAX_FLAGS][256];
	int set[SC_MAX_FLAGS];
	char name[64], key_uid[72];
} sc;

static const char *sc_get(const char *name)
{
	for (size_t i = 0; i < sc.n_flags; i++)
		if (!strcmp(sc.flags[i].name, name))
			return sc.val[i];
	return "";
}

/* zap's development console: time, level, [logger name,] caller, message. */
static void sc_line(const char *name, const char *caller, const char *fmt, va_list ap)
{
	struct timespec now;
	struct tm tm;
	char ts[32];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ\tINFO\t", ts, now.tv_nsec / 1000000);
	if (name)
		fprintf(stderr, "%s\t", name);
	fprintf(stderr, "%s\t", caller);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void sc_say_as(const char *name, const char *caller, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void sc_say_as(const char *name, const char *caller, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_line(name, caller, fmt, ap);
	va_end(ap);
}

void ln_node_say(struct ln_node *n, const char *caller, const char *fmt, ...)
{
	va_list ap;

	(void)n;
	va_start(ap, fmt);
	if (sc.on && caller) {
		sc_line(sc.name, caller, fmt, ap);
	} else if (!sc.on) {
		vprintf(fmt, ap);
		putchar('\n');
	}
	va_end(ap);
}

int ln_statuscli_on(void)
{
	return sc.on;
}

/* One status-cli flag at argv[*i]: 1 read, 0 not one of the command's flags, -1 error. */
static int sc_flag(int argc, char **argv, int *i, struct fl_error *err)
{
	const char *a = argv[*i], *s = a + (a[1] == '-' ? 2 : 1), *eq = strchr(s, '=');
	size_t nl = eq ? (size_t)(eq - s) : strlen(s);

	for (size_t k = 0; k < sc.n_flags; k++) {
		const struct sc_flag *f = &sc.flags[k];
		const char *v;

		if ((strlen(f->name) != nl || strncmp(f->name, s, nl)) &&
		    (strlen(f->alias) != nl || strncmp(f->alias, s, nl)))
			continue;
		if (eq)
			v = eq + 1;
		else if (f->is_bool)
			v = "true";
		else if (*i + 1 < argc)
			v = argv[++*i];
		else
			return fl_err(err, "flag needs an argument: %s", a);
		snprintf(sc.val[k], sizeof(sc.val[k]), "%s", v);
		sc.set[k] = 1;
		return 1;
	}
	return 0;
}

/* The words of $LABNODE_ARGS appended to the labnode options. */
static void sc_env_args(char **out, int *n, int cap)
{
	const char *env = getenv("LABNODE_ARGS");
	char *copy, *save = NULL, *w;

	if (!env)
		return;
	copy = fl_xstrdup(env);
	for (w = strtok_r(copy, " \t\n", &save); w && *n < cap; w = strtok_r(NULL, " \t\n", &save))
		out[(*n)++] = w; /* copy lives as long as the process */
}

/* "Running serve command, with:" and one "\t-<flag> <value>" line per flag of the command,
 * logged before the logger is named (no name column); the message ends with a newline. */
static void sc_running(const char *cmd)
{
	char msg[4096];
	size_t o;

	o = (size_t)snprintf(msg, sizeof(msg), "Running %s command, with:\n", cmd);
	for (size_t k = 0; k < sc.n_flags && o < sizeof(msg); k++)
		o += (size_t)snprintf(msg + o, sizeof(msg) - o, "\t-%s %s\n", sc.flags[k].name,
				      sc.val[k]);
	sc_say_as(NULL, "status-cli/serve.go:34", "%s", msg);
}

static int sc_command(const char *a)
{
	if (!strcmp(a, "serve") || !strcmp(a, "s")) {
		sc.flags = sc_serve;
		sc.n_flags = sizeof(sc_serve) / sizeof(sc_serve[0]);
		return 1;
	}
	if (!strcmp(a, "serve-account") || !strcmp(a, "sl")) {
		sc.flags = sc_account;
		sc.n_flags = sizeof(sc_account) / sizeof(sc_account[0]);
		sc.account = 1;
		return 1;
	}
	return 0;
}

/* Fills c from the flags; the port is serve's (serve-account takes the account's). */
static int sc_apply(struct ln_config *c, struct fl_error *err)
{
	char *end;
	long port = strtol(sc_get("port"), &end, 10);

	char missing[128] = "";
	int n_missing = 0;

	for (size_t k = 0; k < sc.n_flags; k++) {
		if (!sc.flags[k].def && !sc.set[k]) {
			size_t o = strlen(missing);

			snprintf(missing + o, sizeof(missing) - o, "%s%s", n_missing++ ? ", " : "",
				 sc.flags[k].name);
		}
	}
	if (n_missing) /* urfave/cli v2's wording */
		return fl_err(err, "Required flag%s \"%s\" not set", n_missing > 1 ? "s" : "",
			      missing);
	snprintf(sc.name, sizeof(sc.name), "%s", sc_get("name"));
	snprintf(c->name, sizeof(c->name), "%s", sc.name);
	if (!sc.account && (*end || port < 0 || port > 65535))
		return fl_err(err, "invalid value \"%s\" for flag -port", sc_get("port"));
	if (!sc.account)
		snprintf(c->rest, sizeof(c->rest), "127.0.0.1:%ld", port);
	if (!strcmp(sc_get("light"), "true"))
		c->role = LN_ROLE_LIGHT;
	if (*sc_get(
		"telemetry-server-url")) /* util.go: telemetry.NewClient(…, p.TelemetryURL, …) */
		c->telemetry_url = sc_get("telemetry-server-url");
	if (sc.account)
		snprintf(sc.key_uid, sizeof(sc.key_uid), "%s", sc_get("key-uid"));
	return 0;
}

int ln_statuscli_args(int *argc, char ***argv, struct ln_config *c, struct fl_error *err)
{
	static char *rest[128];
	int i, n = 1, r = 0;

	if (*argc < 2 || !sc_command((*argv)[1]))
		return 0;
	sc.on = 1;
	for (size_t k = 0; k < sc.n_flags; k++)
		snprintf(sc.val[k], sizeof(sc.val[k]), "%s",
			 sc.flags[k].def ? sc.flags[k].def : "");
	for (i = 2; i < *argc; i++) {
		const char *a = (*argv)[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1] || (r = sc_flag(*argc, *argv, &i, err)) <= 0)
			break;
	}
	if (r >= 0 && !strcmp(sc_get("help"), "true")) {
		printf("labnode %s (status-cli mode): flags:", (*argv)[1]);
		for (size_t k = 0; k < sc.n_flags; k++)
			printf(" --%s|-%s", sc.flags[k].name, sc.flags[k].alias);
		printf("\nsee images/labnode/README.md, \"status-cli mode\"\n");
		exit(0);
	}
	if (r < 0 || sc_apply(c, err) < 0)
		return -1;
	rest[0] = (*argv)[0];
	for (; i < *argc && n < 120; i++) /* labnode's own options follow */
		rest[n++] = (*argv)[i];
	sc_env_args(rest, &n, 127);
	rest[n] = NULL;
	*argc = n;
	*argv = rest;
	sc_running(sc.account ? "serve-account" : "serve");
	return 1;
}

/* ./test-<lowercase name>: status-cli's rootDataDir; labnode keeps its accounts there. */
static void sc_dir(char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "./test-");

	for (const char *p = sc.name; *p && o + 1 < cap; p++)
		out[o++] = (char)tolower((unsigned char)*p);
	out[o] = '\0';
}

/* serve: a new account each start (a new key unless --key/--identity-seed pins one). */
static int sc_create(struct ln_config *c, struct fl_error *err)
{
	char dir[128], path[192], material[96];
	uint8_t key[32], uid[32];
	FILE *f;
	size_t o;

	if (!c->key_hex[0] && !c->has_seed) {
		if (getrandom(key, sizeof(key), 0) != sizeof(key))
			return fl_err_errno(err, "getrandom");
		for (int i = 0; i < 32; i++)
			snprintf(c->key_hex + 2 * i, 3, "%02x", key[i]);
	}
	if (c->key_hex[0])
		snprintf(material, sizeof(material), "key:%s", c->key_hex);
	else
		snprintf(material, sizeof(material), "seed:%llu", (unsigned long long)c->seed);
	ln_sha256(material, strlen(material), uid);
	o = (size_t)snprintf(sc.key_uid, sizeof(sc.key_uid), "0x");
	for (int i = 0; i < 32; i++)
		o += (size_t)snprintf(sc.key_uid + o, sizeof(sc.key_uid) - o, "%02x", uid[i]);
	sc_dir(dir, sizeof(dir));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return fl_err_errno(err, "mkdir %s", dir);
	snprintf(path, sizeof(path), "%s/labnode-accounts", dir);
	if (!(f = fopen(path, "ae")))
		return fl_err_errno(err, "open %s", path);
	fprintf(f, "%s %s %s\n", sc.key_uid, material, strchr(c->rest, ':') + 1);
	if (fclose(f) != 0)
		return fl_err_errno(err, "write %s", path);
	sc_say_as(sc.name, "status-cli/util.go:69", "account created, key UID: %s", sc.key_uid);
	return 0;
}

/* serve-account: the stored account with that key UID, its key and port. */
static int sc_login(struct ln_config *c, struct fl_error *err)
{
	char dir[128], path[192], line[512], uid[80], material[100], port[16];
	FILE *f;
	int found = 0;

	sc_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/labnode-accounts", dir);
	if (!(f = fopen(path, "re")))
		return fl_err(err, "name '%s' might not have an account: trying to find: %s: %s",
			      sc.name, dir, strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%79s %99s %15s", uid, material, port) == 3 &&
			!strcmp(uid, sc.key_uid);
	fclose(f);
	if (!found)
		return fl_err(err, "account not found for keyUID: %s", sc.key_uid);
	if (!strncmp(material, "key:", 4)) {
		snprintf(c->key_hex, sizeof(c->key_hex), "%.79s", material + 4);
	} else {
		c->seed = strtoull(material + 5, NULL, 10);
		c->has_seed = 1;
	}
	snprintf(c->rest, sizeof(c->rest), "127.0.0.1:%s", port);
	sc_say_as(sc.name, "status-cli/util.go:63", "existing account, key UID: %s", sc.key_uid);
	return 0;
}

int ln_statuscli_account(struct ln_config *c, struct fl_error *err)
{
	if (!sc.on)
		return 0;
	sc_say_as(sc.name, "status-cli/util.go:56", "starting messenger");
	return sc.account ? sc_login(c, err) : sc_create(c, err);
}

void ln_statuscli_ready(struct ln_node *n)
{
	const char *to = sc_get("add");
	char id[67], hash[67];
	struct fl_error err = {0};

	if (!sc.on)
		return;
	if (to[0]) {
		sc_say_as(sc.name, "status-cli/message.go:21",
			  "send contact request, contact public key: %s", to);
		if (ln_dm_send(n, LN_DM_CONTACT, &to, 1, "Hello!", 0, id, hash, &err) < 0)
			sc_say_as(sc.name, "status-cli/serve.go:99", "contact request: %s",
				  err.msg);
	}
	sc_say_as(sc.name, "status-cli/serve.go:107", "retrieve messages...");
}

void ln_statuscli_exiting(void)
{
	if (sc.on)
		sc_say_as(sc.name, "status-cli/serve.go:120", "Exiting");
}
