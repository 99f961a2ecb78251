/*
 * replay_json.h — the replay summary's JSON object, for api_json.c,
 * which adds the events and the fund's series beside it.
 */
#ifndef LIQ_REPLAY_JSON_H
#define LIQ_REPLAY_JSON_H

#include "liqsim.h"

#include <jansson.h>

/* A new reference owned by the caller (json_decref), NULL when out of
 * memory. */
json_t *replay_summary_obj(const char *policy, const liq_replay_summary *s);

#endif
