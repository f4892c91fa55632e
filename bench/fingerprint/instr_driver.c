/* Deterministic cost of grouping_compute: run it over every event of a JSONL file R times.
 * Used under callgrind by instr.sh (instructions of R=2 minus R=1, per event, leave out rule
 * parsing and regex compilation).
 *   instr_driver FILE.jsonl info|none R
 * Regression check of an optimisation (same output before and after):
 *   instr_driver FILE.jsonl dump 1 [RULES_FILE [FINGERPRINT_RULES_FILE]]
 * prints one line per event: its hashes, title, culprit and an FNV-1a hash of the info JSON. */
#include "grouping/grouping.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EVENTS 4096

static char *slurp(const char *path)
{
    if (!path)
        return NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char text[2][1 << 20];
    static int next;
    char *t = text[next++ & 1];
    size_t n = fread(t, 1, sizeof text[0] - 1, f);
    t[n] = '\0';
    fclose(f);
    return t;
}

static int dump(json_t **evs, int n, const char *rules, const char *fp_rules)
{
    struct grouping_config cfg = {.enhancements = slurp(rules), .fingerprint_rules = slurp(fp_rules)};
    struct grouping_result r;
    char err[256];
    for (int k = 0; k < n; k++) {
        if (grouping_compute(evs[k], &cfg, &r, err) != 0) {
            printf("%d error %s\n", k, err);
            continue;
        }
        unsigned long long h = 14695981039346656037ULL;
        for (const char *p = r.info_json ? r.info_json : ""; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        printf("%d", k);
        for (int i = 0; i < r.n_hashes; i++)
            printf(" %s", r.hashes[i]);
        printf(" | %s | %s | %s %s | %016llx\n", r.title ? r.title : "-", r.culprit ? r.culprit : "-",
               r.level, r.platform, h);
        grouping_result_free(&r);
    }
    for (int k = 0; k < n; k++)
        json_decref(evs[k]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 6) {
        fprintf(stderr, "usage: instr_driver FILE.jsonl info|none|dump R [RULES [FP_RULES]]\n");
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
    if (!strcmp(argv[2], "dump"))
        return dump(evs, n, argc > 4 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL);
    for (int rep = 0; rep < reps; rep++)
        for (int k = 0; k < n; k++)
            if (grouping_compute(evs[k], &cfg, &r, err) == 0)
                grouping_result_free(&r);
    for (int k = 0; k < n; k++)
        json_decref(evs[k]);
    printf("%d\n", n);
    return 0;
}
