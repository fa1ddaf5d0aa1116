/* libFuzzer harness of the scenario parser and, for what it accepts, the planner and the
 * plan.json printer. Inputs that plan huge runs are parsed and checked but not planned, so
 * the fuzzer spends its time on the parser rather than on allocating millions of events. */
#include "orchestrator/plan/plan.h"
#include "orchestrator/scenario/scenario.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_small_enough(const struct scenario *sc)
{
	uint64_t msgs = 0, faults = 0;

	for (size_t i = 0; i < sc->n_traffic; i++)
		msgs += sc->traffic[i].count;
	for (size_t i = 0; i < sc->n_faults; i++)
		faults += sc->faults[i].times;
	return sc->n_nodes <= 200 && msgs <= 20000 && faults <= 2000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct scenario_errors errs;
	struct fl_error err = {0};
	struct scenario sc;
	struct plan *plan;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (scenario_load_buffer("fuzz.yaml", (const char *)data, size, &sc, &errs) < 0) {
		scenario_errors_print(&errs, sink);
		return 0;
	}
	if (fuzz_small_enough(&sc) && plan_build(&sc, size, &plan, &err) == 0) {
		plan_write_json(plan, sink);
		plan_free(plan);
	}
	scenario_free(&sc);
	return 0;
}
