/* A tiny recording HTTP server on 127.0.0.1 for driver tests (libmicrohttpd, own thread):
 * answers canned bodies by (method, path prefix) and records every request. */
#ifndef FL_FAKE_DRVHTTP_H
#define FL_FAKE_DRVHTTP_H

#define FAKE_DRVHTTP_MAX 32

struct fake_drvhttp_route {
	const char *method, *prefix; /* prefix "#m": POST / calling JSON-RPC method m */
	int status;
	const char *body;
};

struct fake_drvhttp_req {
	char method[16];
	char url[512];
	char body[8192];
};

struct fake_drvhttp {
	void *daemon;
	int port;
	const struct fake_drvhttp_route *routes;
	int n_routes;
	struct fake_drvhttp_req reqs[FAKE_DRVHTTP_MAX];
	int n_reqs;
};

int fake_drvhttp_start(struct fake_drvhttp *f, const struct fake_drvhttp_route *routes, int n);
void fake_drvhttp_stop(struct fake_drvhttp *f);

#endif
