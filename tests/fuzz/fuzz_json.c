/* libFuzzer target: the digest's own JSON scanner against jansson (differential).
 *
 * jsonscan_build promises to accept exactly what json_loadb accepts and to build an equal tree;
 * jsoncheck_event promises to accept exactly the JSON objects jansson accepts (both bar one jansson
 * leniency, see jsonscan.h). Any other disagreement aborts. The first byte's low bit asks for
 * duplicate keys to be rejected. */
#include "util/buf.h"
#include "util/jsonscan.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int reject_dups = data[0] & 1;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    char err[ERRMSG_SIZE];

    json_error_t jerr;
    json_t *ref = json_loadb(text, n, reject_dups ? JSON_REJECT_DUPLICATES : 0, &jerr);
    json_t *ours = jsonscan_build(text, n, reject_dups ? JSONSCAN_REJECT_DUPLICATES : 0, NULL, NULL, err);
    /* jsonscan_build takes objects only; json_loadb also takes a top-level array */
    int ref_object = ref && json_is_object(ref);
    /* jansson's one known leniency (see jsonscan.h): a raw NUL byte right after a scalar */
    int nul = memchr(text, 0, n) != NULL;
    if (ours && !ref_object)
        abort(); /* we accepted what jansson refused */
    if (ref_object && !ours && !nul)
        abort(); /* we refused what jansson accepted */
    if (ours && !json_equal(ref, ours))
        abort();

    char event_id[64];
    int state = 0;
    int checked = jsoncheck_event(text, n, event_id, sizeof event_id, &state, err) == 0;
    if (!reject_dups && checked != !!ours)
        abort(); /* the validator and the builder disagree */
    if (!reject_dups && checked && !ref_object)
        abort();
    if (checked && state == 1 && ref_object) {
        const char *id = json_string_value(json_object_get(ref, "event_id"));
        if (!id || strcmp(id, event_id) != 0)
            abort(); /* the event_id found must be the one jansson sees */
    }
    json_decref(ref);
    json_decref(ours);
    return 0;
}
