/* Text embedding: a transformer encoder run on the CPU from GGUF weights.
 *
 * This module turns text into a unit-length vector. It knows nothing of events or stack traces
 * (the canonical text of a trace is the grouping module's business). Supported models, chosen
 * by the GGUF metadata key general.architecture:
 *   "use-lite"      Universal Sentence Encoder Lite (SentencePiece unigram, 512-d, 128 tokens): the
 *                   default model, models/use-lite.gguf (train/convert_use_lite.py).
 *   "bert"          BERT family (MiniLM, bge, e5, gte): WordPiece, learned positions, mean/CLS pooling.
 *   "jina-bert-v2"  jina-embeddings-v2 (incl. base-code, Sentry's v1 model): ALiBi, GEGLU, Q/K LN;
 *                   WordPiece or byte-level BPE. BERT-family files use llama.cpp's GGUF names
 *                   (train/convert_hf.py converts Hugging Face checkpoints).
 * Every output vector is L2-normalised, so cosine similarity is a dot product.
 *
 * Thread safety: a loaded model is read-only. embed_texts() allocates its own scratch memory, so
 * several threads may call it on the same model at once. embed_model_set_max_tokens() and
 * embed_set_threads() (a process-wide OpenBLAS setting) are configuration: call them at start-up,
 * not while another thread embeds.
 *
 * BLAS: on CPUs with AVX-512, Debian's OpenBLAS (0.3.21) picks its AVX2 "Haswell" kernels unless
 * OPENBLAS_CORETYPE is set before the library initialises (or when the environment forces an AVX2
 * core), which halves GEMM speed. A constructor in this module therefore re-executes the process
 * once (same pid, same argv, via /proc/self/exe) with OPENBLAS_CORETYPE=SkylakeX when the CPU has
 * avx512f and OpenBLAS picked a core without it. It runs before main(), so nothing is lost.
 * FAULTLINE_BLAS_REEXEC=0 opts out (OPENBLAS_CORETYPE is then obeyed as given).
 */
#ifndef FAULTLINE_EMBED_H
#define FAULTLINE_EMBED_H

#include <stddef.h>

struct embed_model;

/* Texts longer than this many bytes are cut (at a UTF-8 boundary) before tokenising. */
#define EMBED_MAX_TEXT_BYTES (64 * 1024)

/* Precision of the weight projections (the GEMMs that hold nearly all of the FLOPs):
 *   FP32  f32 weights and activations on OpenBLAS: the reference path (within 1e-4 of PyTorch).
 *   BF16  weights converted once at load to bf16, activations rounded to bf16 per GEMM, products
 *         accumulated in f32 (oneDNN matmul: AMX-BF16 tiles or AVX512-BF16 dot products). Attention,
 *         layer norms, activations, pooling and the USE-Lite head stay f32.
 *   AUTO  BF16 where the CPU has AVX512-BF16 or AMX-BF16, FP32 elsewhere. The default. */
enum embed_precision { EMBED_PRECISION_AUTO = 0, EMBED_PRECISION_FP32, EMBED_PRECISION_BF16 };

/* Loads a GGUF model (the file is mmap'ed; f32 tensors are used in place, f16 matrices are
 * widened to f32 once; in bf16 the projection weights are kept only as bf16). The precision is the
 * process default (embed_set_precision, else $FAULTLINE_EMBED_PRECISION = fp32|bf16|auto, else auto).
 * Returns 0, or a negative value with err (ERRMSG_SIZE bytes) filled.
 * A truncated, lying or hostile file is an error, never a crash. */
int  embed_model_load(const char *path, struct embed_model **out, char *err);
/* The same with an explicit precision. BF16 on a CPU without AVX-512 fails with an error. */
int  embed_model_load_precision(const char *path, enum embed_precision p, struct embed_model **out, char *err);
/* Process default for models loaded later (configuration: call at start-up). */
void embed_set_precision(enum embed_precision p);
/* "fp32", "bf16" or "auto" -> *out; 0, or -1 for anything else. */
int  embed_precision_parse(const char *s, enum embed_precision *out);
/* The precision a loaded model runs in: "fp32" or "bf16". */
const char *embed_model_precision(const struct embed_model *m);
void embed_model_free(struct embed_model *m);

int         embed_model_dim(const struct embed_model *m);       /* output dimension */
const char *embed_model_name(const struct embed_model *m);      /* general.name */
const char *embed_model_arch(const struct embed_model *m);      /* general.architecture */
int         embed_model_max_tokens(const struct embed_model *m);/* tokens read per text */
void        embed_model_set_max_tokens(struct embed_model *m, int n); /* clamps to the model's */

/* Embeds n NUL-terminated texts into out (n * dim floats, each row L2-normalised).
 * Texts are processed together (one GEMM over all their tokens), so bigger batches are faster
 * per text. Returns 0 or a negative value with err filled. */
int embed_texts(struct embed_model *m, const char *const *texts, int n, float *out, char *err);

/* Token ids of one text as the model sees them (after truncation to max tokens). Fills ids
 * (up to cap entries) and returns the count, or a negative value with err filled. */
int embed_tokenize(const struct embed_model *m, const char *text, int *ids, int cap, char *err);

/* Describes the model: architecture, dimensions, tokenizer, tensor count, file size.
 * Writes a NUL-terminated multi-line text into buf (truncated to size). */
void embed_model_describe(const struct embed_model *m, char *buf, size_t size);

/* Threads used by the GEMMs (process-wide: OpenBLAS, and oneDNN's OpenMP team of whichever thread
 * calls embed_texts). The default is 1, or FAULTLINE_EMBED_THREADS. */
void embed_set_threads(int n);
/* Name of the OpenBLAS kernel set in use, e.g. "SkylakeX" or "Haswell". */
const char *embed_blas_core(void);

/* Default model path: $FAULTLINE_MODEL if set, else models/use-lite.gguf next to the running
 * binary's repository (<dir of /proc/self/exe>/../models/use-lite.gguf, then <dir>/models/...,
 * then ./models/use-lite.gguf). Writes into buf; returns 0 if a readable file was found, -1 if not
 * (buf then holds the first candidate, for the error message). */
int embed_default_model_path(char *buf, size_t size);

#endif
