/*
 * local.h - `contrast local up`: options and the flow (local_up.c).
 */
#ifndef CT_LOCAL_H
#define CT_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define LOCAL_IMAGE_MAPS_MAX 64u

enum local_scenario {
	LOCAL_SCENARIO_NONE = 0,
	LOCAL_SCENARIO_UPDATE,            /* manifest update + rolling restart */
	LOCAL_SCENARIO_RECOVER,           /* Coordinator restart + recovery */
	LOCAL_SCENARIO_TAMPERED_POD,      /* policy not in the manifest */
	LOCAL_SCENARIO_EDITED_POD,        /* YAML edited after generate */
	LOCAL_SCENARIO_WRONG_MEASUREMENT, /* VM launched with another image */
	LOCAL_SCENARIO_LYING_HOST,        /* HOSTDATA of another policy */
};

struct local_up_opts {
	const char *workdir;
	uint16_t coordinator_port;
	const char *image_store;
	const char *image_maps[LOCAL_IMAGE_MAPS_MAX]; /* "REF=COMMAND" */
	unsigned n_image_maps;
	enum local_scenario scenario;
	const char *const *paths;
	size_t n_paths;
};

CT_RESULT local_scenario_parse(const char *name, enum local_scenario *out);
const char *local_scenario_name(enum local_scenario s);

/* Runs the flow; returns a CLI exit code. */
int local_up(const struct local_up_opts *o);

#endif
