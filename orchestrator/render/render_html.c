#include "orchestrator/render/render.h"

int render_html_write(const struct analyze_run *run, const char *path, struct fl_error *err)
{
	char *tmp;
	FILE *f = render_open(path, &tmp, err);

	if (!f)
		return -1;
	fputs("<!doctype html><html></html>\n", f);
	return render_close(f, tmp, path, err);
}
