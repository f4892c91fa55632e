/* Deterministic cost of grouping_compute: run it over every event of a JSONL file R times.
 * Used under callgrind by instr.sh (instructions of R=2 minus R=1, per event, leave out rule
 * parsing and regex compilation).
 *   instr_driver FILE.jsonl info|none R */
#include "grouping/grouping.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EVENTS 4096

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: instr_driver FILE.jsonl info|none R\n");
        return 2;
    }
    static char line[1 << 22];
    static json_t *evs[MAX_EVENTS];
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    int n = 0, reps = atoi(argv[3]);
    while (n < MAX_EVENTS && fgets(line, sizeof line, f)) {
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        if (!j)
            continue;
        json_t *ev = json_object_get(j, "event"); /* converted datasets wrap the event */
        if (ev) {
            json_incref(ev);
            json_decref(j);
            j = ev;
        }
        evs[n++] = j;
    }
    fclose(f);
    struct grouping_config cfg = {.skip_info = strcmp(argv[2], "info") != 0};
    struct grouping_result r;
    char err[256];
    for (int rep = 0; rep < reps; rep++)
        for (int k = 0; k < n; k++)
            if (grouping_compute(evs[k], &cfg, &r, err) == 0)
                grouping_result_free(&r);
    for (int k = 0; k < n; k++)
        json_decref(evs[k]);
    printf("%d\n", n);
    return 0;
}
