/* Feeds every JSON line of a file through grouping_compute and grouping_canonical_text (with
 * project rules when a second argument is given); run under ASan/UBSan by `make grouping-asan`. */
#include "grouping/grouping.h"
#include "util/buf.h"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "r"); char *line = NULL; size_t cap = 0; ssize_t n; int ok = 0, bad = 0;
    struct grouping_config cfg = {.enhancements = "function:f* -group\n[ category:x ] | app:yes ^-app v+group max-frames=3\n", .fingerprint_rules = "type:E* -> {{ default }}, {{ stack.function }}\nmessage:\"*a*\" -> x title=\"{{ error.value }}\"\n"};
    while ((n = getline(&line, &cap, f)) > 0) {
        json_error_t je; json_t *ev = json_loads(line, JSON_ALLOW_NUL, &je); if (!ev) continue;
        struct grouping_result r; char err[ERRMSG_SIZE];
        if (grouping_compute(ev, argc > 2 ? &cfg : NULL, &r, err) == 0) { ok++; grouping_result_free(&r); } else bad++;
        struct buf b = BUF_INIT; grouping_canonical_text(ev, NULL, ok & 1, &b, err); buf_free(&b);
        json_decref(ev);
    }
    free(line); fclose(f); printf("ok=%d bad=%d\n", ok, bad); return 0;
}
