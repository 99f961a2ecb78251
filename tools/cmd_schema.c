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

static const char usage[] = "usage: liqsim schema [policy|scenario]\n";

int cmd_schema(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, &o, usage);
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
        fputs(usage, stderr);
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
