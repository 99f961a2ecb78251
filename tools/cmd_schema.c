/*
 * cmd_schema.c — `liqsim schema [policy|scenario]`: the JSON Schema
 * generated from the loader's own key tables (engine/policy_schema.c),
 * for YAML-aware editors.
 */
#include "cli.h"
#include "policy.h"
#include "scenario.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int cmd_schema(int argc, char **argv)
{
    cli_opts o = {0};
    /* Its output is a JSON Schema: json is the one format it has. */
    const cli_option options[] = {
        OPT_FORMAT_(&o, FMT(JSON)),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {"schema", "[policy|scenario]",
                           "  The JSON Schema of a file type, for YAML-aware editors.\n", options,
                           0, 1, false};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    const char *which = o.nargs ? o.args[0] : "policy";
    const schema *s = strcmp(which, "policy") == 0     ? &liq_policy_schema
                      : strcmp(which, "scenario") == 0 ? &liq_scenario_schema
                                                       : NULL;
    free(o.args);
    if (!s) {
        cli_usage(&verb, stderr);
        return EXIT_USAGE;
    }
    json_t *j = schema_json(s);
    json_object_set_new(j, "$schema", json_string("https://json-schema.org/draft/2020-12/schema"));
    json_object_set_new(j, "title", json_string(s == &liq_policy_schema ? "liqsim policy"
                                                                       : "liqsim scenario"));
    char *out = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    if (!out)
        return EXIT_RUN;
    puts(out);
    free(out);
    return 0;
}
