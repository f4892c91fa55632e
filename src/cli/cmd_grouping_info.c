/* faultline grouping-info EVENT.json [--rules FILE] [--fingerprint-rules FILE] [--text KIND]
 *
 * Prints, without a server, how an event is fingerprinted: its hashes (lookup order), title,
 * culprit, and every grouping variant with its hash and component tree (with the reason each
 * non-contributing component was ignored). --text prints the canonical stack trace text used for
 * similarity grouping instead (seer | crash-first). EVENT.json may be "-" for stdin. Fingerprint
 * rules embedded in the event as "_fingerprinting_rules" and stack trace rules as
 * "_grouping": {"enhancements": "..."} (Sentry's test-input conventions) are used when
 * --fingerprint-rules / --rules are not given. */
#include "cli/cli.h"
#include "grouping/grouping.h"
#include "util/buf.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: faultline grouping-info EVENT.json [--rules FILE] [--fingerprint-rules FILE]\n"
            "                               [--text seer|crash-first] [--compact]\n\n"
            "Prints the grouping variants, their hashes and component trees of a Sentry event\n"
            "as JSON (config newstyle:2023-01-11). EVENT.json may be '-' for standard input.\n"
            "  --rules FILE              project stack trace rules (enhancements)\n"
            "  --fingerprint-rules FILE  project server-side fingerprint rules\n"
            "  --text KIND               print the canonical stack trace text instead\n"
            "  --compact                 one-line JSON\n");
}

static char *slurp(const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    struct buf b = BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (buf_append(&b, tmp, n) < 0)
            break;
    if (f != stdin)
        fclose(f);
    if (buf_reserve(&b, 0) < 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

static void quoted(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_putc(b, '\\');
        buf_putc(b, *s == '\n' ? ' ' : *s);
    }
    buf_putc(b, '"');
}

/* Sentry's test inputs may carry their fingerprint rules as JSON under "_fingerprinting_rules":
 * [{"matchers": [["type", "X"], ["!path", "**" "/y"]], "fingerprint": [...], "attributes": {"title": ...}}].
 * Turn them into rule text (used when no --fingerprint-rules file is given). NULL if none. */
static char *embedded_fingerprint_rules(const json_t *ev)
{
    const json_t *rules = json_object_get(ev, "_fingerprinting_rules");
    if (!json_is_array(rules) || json_array_size(rules) == 0)
        return NULL;
    struct buf b = BUF_INIT;
    size_t i;
    const json_t *r;
    json_array_foreach(rules, i, r) {
        const json_t *ms = json_object_get(r, "matchers"), *fp = json_object_get(r, "fingerprint");
        if (!json_is_array(ms) || !json_is_array(fp) || !json_array_size(ms) || !json_array_size(fp))
            continue;
        size_t k;
        const json_t *m;
        json_array_foreach(ms, k, m) {
            const json_t *key = json_array_get(m, 0), *pat = json_array_get(m, 1);
            if (!json_is_string(key) || !json_is_string(pat))
                continue;
            buf_printf(&b, "%s%s:", k ? " " : "", json_string_value(key));
            quoted(&b, json_string_value(pat));
        }
        buf_puts(&b, " ->");
        const json_t *v;
        json_array_foreach(fp, k, v) {
            buf_puts(&b, k ? ", " : " ");
            quoted(&b, json_is_string(v) ? json_string_value(v) : "");
        }
        const json_t *title = json_object_get(json_object_get(r, "attributes"), "title");
        if (json_is_string(title)) {
            buf_puts(&b, " title=");
            quoted(&b, json_string_value(title));
        }
        buf_putc(&b, '\n');
    }
    if (!b.len) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

int cmd_grouping_info(int argc, char **argv)
{
    const char *event_path = NULL, *rules_path = NULL, *fp_path = NULL, *text_kind = NULL;
    int compact = 0;
    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        if ((r = cli_take_value(argc, argv, &i, "--rules", &rules_path)) != 0 ||
            (r = cli_take_value(argc, argv, &i, "--fingerprint-rules", &fp_path)) != 0 ||
            (r = cli_take_value(argc, argv, &i, "--text", &text_kind)) != 0) {
            if (r < 0)
                return 2;
            continue;
        }
        if (!strcmp(argv[i], "--compact")) {
            compact = 1;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "faultline grouping-info: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
        if (event_path) {
            fprintf(stderr, "faultline grouping-info: only one event file\n");
            return 2;
        }
        event_path = argv[i];
    }
    if (!event_path) {
        usage(stderr);
        return 2;
    }
    int variant = GROUPING_TEXT_SEER;
    if (text_kind && strcmp(text_kind, "seer") != 0) {
        if (strcmp(text_kind, "crash-first") != 0) {
            fprintf(stderr, "faultline grouping-info: --text must be seer or crash-first\n");
            return 2;
        }
        variant = GROUPING_TEXT_CRASH_FIRST;
    }

    char *rules = NULL, *fprules = NULL;
    char err[ERRMSG_SIZE];
    int status = 1;
    json_t *ev = NULL;
    if (rules_path) {
        if (!(rules = slurp(rules_path))) {
            fprintf(stderr, "faultline grouping-info: cannot read %s\n", rules_path);
            goto done;
        }
        if (grouping_validate_rules(GROUPING_RULES_ENHANCEMENTS, rules, err) < 0) {
            fprintf(stderr, "faultline grouping-info: %s: %s\n", rules_path, err);
            goto done;
        }
    }
    if (fp_path) {
        if (!(fprules = slurp(fp_path))) {
            fprintf(stderr, "faultline grouping-info: cannot read %s\n", fp_path);
            goto done;
        }
        if (grouping_validate_rules(GROUPING_RULES_FINGERPRINT, fprules, err) < 0) {
            fprintf(stderr, "faultline grouping-info: %s: %s\n", fp_path, err);
            goto done;
        }
    }
    json_error_t jerr;
    ev = !strcmp(event_path, "-") ? json_loadf(stdin, 0, &jerr) : json_load_file(event_path, 0, &jerr);
    if (!ev) {
        fprintf(stderr, "faultline grouping-info: %s: line %d: %s\n", event_path, jerr.line, jerr.text);
        goto done;
    }
    /* Sentry's test inputs may also carry project stack trace rules as _grouping.enhancements */
    const json_t *emb = json_object_get(json_object_get(ev, "_grouping"), "enhancements");
    if (!rules && json_is_string(emb) && *json_string_value(emb)) {
        rules = strdup(json_string_value(emb));
        if (rules && grouping_validate_rules(GROUPING_RULES_ENHANCEMENTS, rules, err) < 0) {
            fprintf(stderr, "faultline grouping-info: %s: _grouping.enhancements: %s\n", event_path, err);
            goto done;
        }
    }
    if (!fprules && (fprules = embedded_fingerprint_rules(ev)) != NULL &&
        grouping_validate_rules(GROUPING_RULES_FINGERPRINT, fprules, err) < 0) {
        fprintf(stderr, "faultline grouping-info: %s: _fingerprinting_rules: %s\n", event_path, err);
        goto done;
    }
    struct grouping_config cfg = {.enhancements = rules, .fingerprint_rules = fprules};
    if (text_kind) {
        struct buf out = BUF_INIT;
        if (grouping_canonical_text(ev, &cfg, variant, &out, err) < 0) {
            fprintf(stderr, "faultline grouping-info: %s\n", err);
            buf_free(&out);
            goto done;
        }
        printf("%s\n", out.data ? out.data : "");
        buf_free(&out);
        status = 0;
        goto done;
    }
    struct grouping_result r;
    if (grouping_compute(ev, &cfg, &r, err) < 0) {
        fprintf(stderr, "faultline grouping-info: %s\n", err);
        goto done;
    }
    json_t *info = json_loads(r.info_json, 0, &jerr);
    if (!info) {
        fprintf(stderr, "faultline grouping-info: internal error: bad info JSON: %s\n", jerr.text);
        grouping_result_free(&r);
        goto done;
    }
    json_object_set_new(info, "title", json_string(r.title));
    json_object_set_new(info, "culprit", json_string(r.culprit));
    json_object_set_new(info, "level", json_string(r.level));
    json_object_set_new(info, "platform", json_string(r.platform));
    char *s = json_dumps(info, (compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER);
    if (s) {
        printf("%s\n", s);
        free(s);
        status = 0;
    }
    json_decref(info);
    grouping_result_free(&r);
done:
    json_decref(ev);
    free(rules);
    free(fprules);
    return status;
}
