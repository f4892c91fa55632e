/* faultline backfill --project P: embeds the existing issues of a project (those without a vector
 * for the current model), stores their vectors so similarity grouping can find them, and reports
 * the merges it would propose. It never merges: a person decides, through the merge API.
 * Resumable: an issue that has its vector is skipped, so an interrupted run continues. */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/progress.h"
#include "grouping/similarity.h"
#include "store/store.h"
#include "util/buf.h"

#define BATCH 64

static const char HELP[] =
    "usage: faultline backfill --project ID|SLUG [--data DIR] [--model FILE] [--json]\n"
    "\n"
    "Embeds the project's existing issues that have no vector yet and stores the vectors, so that\n"
    "similarity grouping can match new fingerprints against them. Prints the merges it would\n"
    "propose (issue pairs within the project's group threshold, same exception type) with their\n"
    "distances; it never merges. Safe to interrupt and run again. Restart a running server\n"
    "afterwards so its index includes the new vectors.\n"
    "\n"
    "  --data DIR     FAULTLINE_DATA, default ./data\n"
    "  --model FILE   FAULTLINE_MODEL, default models/use-lite.gguf\n"
    "  --json         one JSON object per proposal, and a summary object last\n";

struct counts {
    int64_t embedded, no_text, proposals;
};

/* Embeds one issue's latest event; proposes a merge with its nearest issue; stores the vector. */
static int backfill_issue(struct similarity *sim, struct store *s, const struct store_project *p,
                          const struct similarity_settings *set, int64_t issue_id, float *vec, int json_out,
                          struct counts *c, char *err)
{
    json_t *ev = store_issue_latest_event(s, issue_id, err);
    if (!ev)
        return err[0] ? -1 : 0;
    const char *hash = json_string_value(json_array_get(json_object_get(ev, "hashes"), 0));
    struct grouping_config cfg = {0};
    char *enh = NULL, *fp = NULL;
    int rc = 0;
    if (store_project_option_get(s, p->id, "groupingEnhancements", &enh, err) < 0 ||
        store_project_option_get(s, p->id, "fingerprintingRules", &fp, err) < 0)
        rc = -1;
    cfg.enhancements = enh;
    cfg.fingerprint_rules = fp;
    int usable = rc == 0 && hash ? similarity_embed_event(sim, json_object_get(ev, "payload"), &cfg,
                                                          set->text_variant, vec, err)
                                 : rc;
    free(enh);
    free(fp);
    if (usable <= 0) {
        json_decref(ev);
        if (usable == 0)
            c->no_text++;
        return usable;
    }
    struct similarity_hit hits[8];
    const char *type = similarity_root_type(json_object_get(ev, "payload"));
    int n = similarity_search(sim, s, p->id, vec, 8, issue_id, type, hits, err);
    if (n < 0) {
        json_decref(ev);
        return -1;
    }
    json_t *self = store_issue_get(s, issue_id, err);
    for (int i = 0; i < n && hits[i].distance <= set->group_threshold; i++) {
        json_t *other = store_issue_get(s, hits[i].issue_id, err);
        if (other && self) {
            c->proposals++;
            if (json_out)
                printf("{\"issue\":%lld,\"mergeInto\":%lld,\"distance\":%.6f}\n", (long long)issue_id,
                       (long long)hits[i].issue_id, hits[i].distance);
            else
                printf("propose merging issue %lld into %lld (distance %.4f): %s\n", (long long)issue_id,
                       (long long)hits[i].issue_id, hits[i].distance,
                       json_string_value(json_object_get(self, "title")));
            json_decref(other);
            break;
        }
        json_decref(other);
    }
    json_decref(self);
    rc = similarity_remember(sim, s, p->id, issue_id, hash, type, vec, err);
    json_decref(ev);
    if (rc == 0)
        c->embedded++;
    return rc;
}

int cmd_backfill(int argc, char **argv)
{
    const char *project = NULL, *data = NULL, *model = NULL;
    int json_out = 0;
    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            fputs(HELP, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json_out = 1;
            continue;
        }
        if ((r = cli_take_value(argc, argv, &i, "--project", &project)) != 0 ||
            (r = cli_take_value(argc, argv, &i, "--data", &data)) != 0 ||
            (r = cli_take_value(argc, argv, &i, "--model", &model)) != 0) {
            if (r < 0)
                return 2;
            continue;
        }
        fprintf(stderr, "faultline backfill: unknown argument '%s'\n\n%s", argv[i], HELP);
        return 2;
    }
    if (!project) {
        fputs(HELP, stderr);
        return 2;
    }
    data = cli_setting(data, "FAULTLINE_DATA", "./data");
    model = cli_setting(model, "FAULTLINE_MODEL", NULL);
    char err[ERRMSG_SIZE];
    struct store *s = NULL;
    struct similarity *sim = NULL;
    struct store_project p;
    int rc = 1;
    if (store_open(data, &s, err) < 0 || similarity_new(model, &sim, err) < 0) {
        fprintf(stderr, "faultline backfill: %s\n", err);
        goto out;
    }
    int found = store_project_find(s, project, &p, err);
    if (found <= 0) {
        fprintf(stderr, "faultline backfill: %s\n", found < 0 ? err : "no such project");
        goto out;
    }
    struct similarity_settings set;
    if (similarity_settings_load(s, p.id, &set, err) < 0) {
        fprintf(stderr, "faultline backfill: %s\n", err);
        goto out;
    }
    /* --model wins; else the project's similarityModel; else the default model. */
    struct similarity *eng = model ? sim : similarity_for_model(sim, set.model, err);
    if (!eng) {
        fprintf(stderr, "faultline backfill: %s\n", err);
        goto out;
    }
    float *vec = malloc((size_t)similarity_dim(eng) * sizeof *vec);
    if (!vec)
        goto out;
    struct counts c = {0};
    struct progress pg;
    progress_init(&pg, "backfill");
    int64_t ids[BATCH], after = 0, total = 0, done = 0;
    for (;;) {
        int n = store_issues_without_vector(s, p.id, similarity_model_name(eng), after, ids, BATCH, &total, err);
        if (n < 0)
            break;
        if (n == 0) {
            rc = 0;
            break;
        }
        /* One transaction per batch: an interruption loses at most one batch of work. */
        if (store_begin(s, err) < 0)
            break;
        int failed = 0;
        for (int i = 0; i < n && !failed; i++) {
            failed = backfill_issue(eng, s, &p, &set, ids[i], vec, json_out, &c, err) < 0;
            after = ids[i];
        }
        if (failed || store_commit(s, err) < 0) {
            store_rollback(s);
            break;
        }
        done += n;
        progress_show(&pg, total > 0 ? (double)done / (double)total : -1, (size_t)done, "issues");
    }
    progress_end(&pg);
    free(vec);
    if (rc != 0) {
        fprintf(stderr, "faultline backfill: %s\n", err);
        goto out;
    }
    if (json_out)
        printf("{\"project\":%lld,\"model\":\"%s\",\"embedded\":%lld,\"withoutStacktrace\":%lld,"
               "\"proposals\":%lld,\"groupThreshold\":%g}\n",
               (long long)p.id, similarity_model_name(eng), (long long)c.embedded, (long long)c.no_text,
               (long long)c.proposals, set.group_threshold);
    else
        printf("backfill of project %s: %lld issues embedded, %lld without a usable stack trace, %lld merges "
               "proposed (group threshold %g, model %s); nothing was merged\n",
               p.slug, (long long)c.embedded, (long long)c.no_text, (long long)c.proposals, set.group_threshold,
               similarity_model_name(eng));
out:
    similarity_free(sim);   /* frees eng too when it is another model's engine */
    store_close(s);
    return rc;
}
