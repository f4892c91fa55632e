/* Similarity grouping: on a hash miss, embed the event's canonical stack-trace text, search the
 * project's vectors (one per fingerprint that went through this step), and decide.
 *
 * One `struct similarity` is shared by the digest worker (the only writer: it adds vectors) and
 * the API threads (read-only searches for "similar issues"). Each project's index is built from
 * the store on first use, so a restart loses nothing. */
#ifndef FAULTLINE_GROUPING_SIMILARITY_H
#define FAULTLINE_GROUPING_SIMILARITY_H

#include <jansson.h>
#include <stdint.h>

#include "grouping/grouping.h"

struct store;
struct similarity;

enum similarity_mode { SIMILARITY_OFF = 0, SIMILARITY_SHADOW = 1, SIMILARITY_ON = 2 };

/* Per-project settings (project options similarityMode, similarityGroupThreshold,
 * similarityThreshold, similarityText); the defaults come from docs/evaluation.md. */
struct similarity_settings {
    int    mode;
    double group_threshold;     /* cosine distance at or under which a new hash joins an issue */
    double similar_threshold;   /* looser: feeds the "similar issues" view */
    int    text_variant;        /* GROUPING_TEXT_* */
    char   model[512];          /* similarityModel: a GGUF file; "" = the server's default model */
};
#define SIMILARITY_DEFAULT_MODE SIMILARITY_ON
#define SIMILARITY_DEFAULT_GROUP_THRESHOLD 0.005
#define SIMILARITY_DEFAULT_SIMILAR_THRESHOLD 0.10
#define SIMILARITY_DEFAULT_TEXT GROUPING_TEXT_CRASH_FIRST

void similarity_settings_default(struct similarity_settings *s);
/* Fills settings from the project's options (missing ones keep the defaults). */
int  similarity_settings_load(struct store *s, int64_t project_id, struct similarity_settings *out, char *err);
/* Validates one option value before the API stores it; 0 ok, -1 with err. */
int  similarity_validate_option(const char *key, const char *value, char *err);

/* The engine for a project's model: sim itself when model is "" or sim's own file, else an
 * engine for that file, loaded on first use and kept (at most SIMILARITY_MAX_MODELS in all). A
 * relative name is looked up in the directory of sim's model. NULL with err if it cannot load. */
#define SIMILARITY_MAX_MODELS 4
struct similarity *similarity_for_model(struct similarity *sim, const char *model, char *err);

/* Loads the encoder (model_path NULL: the default model). */
int  similarity_new(const char *model_path, struct similarity **out, char *err);
void similarity_free(struct similarity *sim);
const char *similarity_model_name(const struct similarity *sim);
int  similarity_dim(const struct similarity *sim);

/* Keeps the vector of every distinct canonical text embedded from now on (up to max_entries), so
 * replaying the same events again (an evaluation sweep over thresholds) embeds each text once.
 * Only for single-threaded use (faultline eval); the server does not enable it. */
int  similarity_enable_cache(struct similarity *sim, int max_entries, char *err);

/* Where project indexes are saved (DIR/ann-<model>-<project>.idx) and loaded from, so a restart
 * does not rebuild every graph. A saved index is used only if it holds as many vectors as the
 * store; otherwise (a crash after it was saved, a damaged file) it is rebuilt from the store. */
void similarity_set_index_dir(struct similarity *sim, const char *dir);
/* Saves every project's index (at shutdown). Returns the number saved, or negative. */
int  similarity_save_indexes(struct similarity *sim, char *err);

/* Embedding budget rate (per second per project); the default is FAULTLINE_SIMILARITY_RATE or 50. */
void similarity_set_rate(struct similarity *sim, double per_second);

/* Drops every project's index (they are rebuilt from the store on next use). For a process that
 * starts over with a fresh store, such as an evaluation replay; never while others search. */
int  similarity_forget_indexes(struct similarity *sim, char *err);

/* Canonical text of the event (empty when it has no usable stack trace) and its embedding.
 * Returns 1 with vec filled, 0 when the event has no usable text, negative on error. */
int  similarity_embed_event(struct similarity *sim, const json_t *event, const struct grouping_config *cfg,
                            int text_variant, float *vec, char *err);

struct similarity_hit {
    int64_t issue_id;
    int64_t vector_id;
    double  distance;
};
/* The nearest issues (best vector per issue), excluding exclude_issue (0: none). With
 * require_type, only vectors that came from events with that root-cause exception type count.
 * Returns the count (<= k) or negative. */
int  similarity_search(struct similarity *sim, struct store *s, int64_t project_id, const float *vec, int k,
                       int64_t exclude_issue, const char *require_type, struct similarity_hit *hits, char *err);
/* Stores the vector of a hash (in the store, then the project's index) with the root-cause
 * exception type of its event. */
int  similarity_remember(struct similarity *sim, struct store *s, int64_t project_id, int64_t issue_id,
                         const char *hash, const char *exc_type, const float *vec, char *err);
/* Root-cause exception type of an event: the oldest exception of the chain ("" if none). */
const char *similarity_root_type(const json_t *event);
/* Similar issues of an issue, by its stored vectors. */
int  similarity_issue_neighbours(struct similarity *sim, struct store *s, int64_t project_id, int64_t issue_id,
                                 int k, struct similarity_hit *hits, char *err);

/* Embedding budget of a project: a token bucket (rate per second, burst). Returns 1 if a token
 * was taken, 0 if the project is over its budget. */
int  similarity_take_budget(struct similarity *sim, int64_t project_id);

#endif
