/*
 * local_up.c - the flow of `contrast local up` (docs/local-mode.md).
 *
 * Work in progress (issue #8): the flow needs the simulator, the
 * Coordinator, the initializer and the policy generator, which land in
 * their own issues. Until then `up` refuses with a clear message.
 */
#include "cli.h"
#include "local.h"

#include <stdio.h>
#include <string.h>

static const char *const scenario_names[] = {
	[LOCAL_SCENARIO_NONE] = "none",
	[LOCAL_SCENARIO_UPDATE] = "update",
	[LOCAL_SCENARIO_RECOVER] = "recover",
	[LOCAL_SCENARIO_TAMPERED_POD] = "tampered-pod",
	[LOCAL_SCENARIO_EDITED_POD] = "edited-pod",
	[LOCAL_SCENARIO_WRONG_MEASUREMENT] = "wrong-measurement",
};

ct_result local_scenario_parse(const char *name, enum local_scenario *out)
{
	for (size_t i = 0; i < sizeof(scenario_names) / sizeof(scenario_names[0]); i++)
		if (strcmp(name, scenario_names[i]) == 0) {
			*out = (enum local_scenario)i;
			return CT_OK;
		}
	return CT_FAIL(CT_ERR_USAGE,
		       "--scenario: unknown \"%s\" (want update, recover, tampered-pod, "
		       "edited-pod or wrong-measurement)", name);
}

const char *local_scenario_name(enum local_scenario s)
{
	return scenario_names[s];
}

int local_up(const struct local_up_opts *o)
{
	(void)o;
	fprintf(stderr, "contrast local up: not available yet (issue #8)\n");
	return CT_EXIT_USAGE;
}
