/* OpenBLAS set-up (AVX-512 kernels), and the module's process-wide settings: threads, precision.
 *
 * Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) detects Zen 4/5 as "Haswell" and uses AVX2 kernels,
 * half the sgemm speed of its AVX-512 "SkylakeX" kernels on those CPUs. The kernel set is chosen
 * once, in the library's own constructor, from OPENBLAS_CORETYPE; setting the variable later has
 * no effect. So this constructor (run by the dynamic loader after OpenBLAS's, before main())
 * re-executes the process image once with OPENBLAS_CORETYPE=SkylakeX when the CPU has AVX-512F
 * and OpenBLAS chose a non-AVX-512 core -- also when OPENBLAS_CORETYPE names one (some
 * environments export OPENBLAS_CORETYPE=Haswell globally). exec keeps the pid, argv, environment
 * and open file descriptors; nothing has run yet. FAULTLINE_BLAS_REEXECED marks the second image so
 * it never loops. Opt out with FAULTLINE_BLAS_REEXEC=0 (then OPENBLAS_CORETYPE is obeyed as is).
 * If exec fails the process simply continues with the kernels it has.
 */
#include "embed/embed.h"
#include "embed/embed_internal.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int core_is_avx512(const char *core)
{
    static const char *const names[] = {"skylakex", "cooperlake", "sapphirerapids"};
    for (size_t i = 0; core && i < sizeof names / sizeof *names; i++)
        if (strcasecmp(core, names[i]) == 0)
            return 1;
    return 0;
}

__attribute__((constructor)) static void embed_blas_coretype(int argc, char **argv)
{
    if (argc < 1 || !argv || !argv[0] || getenv("FAULTLINE_BLAS_REEXECED"))
        return;
    const char *opt = getenv("FAULTLINE_BLAS_REEXEC");
    if (opt && strcmp(opt, "0") == 0)
        return;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || core_is_avx512(openblas_get_corename()))
        return;
    /* started as "ld.so ./program ...": /proc/self/exe is the loader, re-running it would misparse argv */
    char exe[512];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    if (strncmp(base, "ld-", 3) == 0 || strncmp(base, "ld.so", 5) == 0)
        return;
    const char *old = getenv("OPENBLAS_CORETYPE");
    char *saved = old ? strdup(old) : NULL;
    if (setenv("OPENBLAS_CORETYPE", "SkylakeX", 1) == 0 && setenv("FAULTLINE_BLAS_REEXECED", "1", 1) == 0)
        execv("/proc/self/exe", argv);
    /* exec failed: keep going as we were */
    if (saved)
        setenv("OPENBLAS_CORETYPE", saved, 1);
    else
        unsetenv("OPENBLAS_CORETYPE");
    unsetenv("FAULTLINE_BLAS_REEXECED");
    free(saved);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic int n_threads = 1;
static _Atomic int precision = EMBED_PRECISION_AUTO;

static void init_once(void)
{
    const char *s = getenv("FAULTLINE_EMBED_THREADS");
    int n = s ? atoi(s) : 1;
    n_threads = n > 0 ? n : 1;
    openblas_set_num_threads(n_threads);
    enum embed_precision p;
    s = getenv("FAULTLINE_EMBED_PRECISION");
    if (s && *s && embed_precision_parse(s, &p) == 0)
        precision = p;
    else if (s && *s)
        precision = -1;       /* embed_model_load reports it */
}

void embed_blas_init(void)
{
    pthread_once(&once, init_once);
}

void embed_set_threads(int n)
{
    embed_blas_init();
    n_threads = n > 0 ? n : 1;
    openblas_set_num_threads(n_threads);
}

int embed_threads(void)
{
    embed_blas_init();
    return n_threads;
}

void embed_set_precision(enum embed_precision p)
{
    embed_blas_init();
    precision = p;
}

enum embed_precision embed_default_precision(void)
{
    embed_blas_init();
    return (enum embed_precision)precision;
}

int embed_precision_parse(const char *s, enum embed_precision *out)
{
    static const struct { const char *name; enum embed_precision p; } names[] = {
        {"auto", EMBED_PRECISION_AUTO}, {"fp32", EMBED_PRECISION_FP32}, {"f32", EMBED_PRECISION_FP32},
        {"bf16", EMBED_PRECISION_BF16}};
    for (size_t i = 0; s && i < sizeof names / sizeof *names; i++)
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].p;
            return 0;
        }
    return -1;
}

const char *embed_blas_core(void)
{
    const char *c = openblas_get_corename();
    return c ? c : "unknown";
}
