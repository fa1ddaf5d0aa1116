/* Waku messages as nwaku's REST JSON: payload and meta in base64, timestamp in ns. */
#ifndef LN_JSON_H
#define LN_JSON_H

#include "common/error.h"
#include "images/labnode/ln_msg.h"

#include <jansson.h>

json_t *ln_json_msg(const struct ln_msg *m);
/* Fills m from a JSON object. A missing timestamp becomes now (as nwaku does). */
int ln_json_to_msg(const json_t *j, struct ln_msg *m, struct fl_error *err);
/* Standard base64 (padded). Decode returns the byte count, or -1 on bad input or more than
 * cap bytes. */
char *ln_json_b64(const uint8_t *p, size_t n);
long ln_json_unb64(const char *s, uint8_t *out, size_t cap);

#endif
