// bench/ann/ann_compare: faultline's ANN index against hnswlib (Debian libhnswlib-dev) and faiss
// (Debian libfaiss-dev: IndexHNSWFlat, IndexFlatIP) on the same vectors, in one run.
//
// usage: ann_compare --data F --queries F --dim D [--k 10 --M 16 --efc 200 --ef 10,20,...]
//                    [--libs faultline,hnswlib,faiss-hnsw,faiss-flat] [--label NAME]
//
// Files are raw little-endian float32, unit vectors (bench/ann/gen_vectors.py writes them).
// Every library runs single-threaded in its own forked child, one after the other, so its memory
// is measured as the child's resident-set growth while building (the data are loaded before the
// fork and shared). Ground truth comes from an exact scan (faiss IndexFlatIP). Queries are issued
// one at a time for every library. Output: one JSON object on stdout.
#include <hnswlib/hnswlib.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <omp.h>

extern "C" {
#include "ann/ann.h"
#include "util/buf.h"
}

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU time of this process: less disturbed than wall time by other jobs on a shared machine.
static double cpu_now()
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long rss_bytes()
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return rss * sysconf(_SC_PAGESIZE);
}

static std::vector<float> read_vectors(const char *path, int dim, size_t &n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    if (size <= 0 || size % (4L * dim)) {
        fprintf(stderr, "%s: size not a multiple of dim*4\n", path);
        exit(1);
    }
    n = (size_t)size / (4 * (size_t)dim);
    std::vector<float> v(n * (size_t)dim);
    if (fread(v.data(), 4, v.size(), f) != v.size()) {
        fprintf(stderr, "%s: short read\n", path);
        exit(1);
    }
    fclose(f);
    return v;
}

struct Ctx {
    const float *X, *Q;
    size_t n, nq;
    int dim, k, M, efc;
    std::vector<int> efs;
    std::vector<int64_t> truth;   // nq x k
};

// One library's searcher: search(q, ef, out ids) after build().
struct Result {
    double build_s = 0, build_cpu_s = 0;
    long rss_delta = 0;
    std::string runs;
};

static void score(const Ctx &c, const std::vector<int64_t> &got, size_t q, int ngot, double &h1, double &hk)
{
    const int64_t *t = &c.truth[q * (size_t)c.k];
    if (ngot > 0 && got[0] == t[0])
        h1 += 1;
    int common = 0;
    for (int a = 0; a < ngot; a++)
        for (int b = 0; b < c.k; b++)
            if (got[a] == t[b]) {
                common++;
                break;
            }
    hk += (double)common / c.k;
}

template <class Search>
static std::string sweep(const Ctx &c, Search search)
{
    std::string out;
    std::vector<int64_t> got(c.k);
    char buf[256];
    for (size_t e = 0; e < c.efs.size(); e++) {
        int ef = c.efs[e];
        double h1 = 0, hk = 0;
        double t0 = now(), c0 = cpu_now();
        for (size_t q = 0; q < c.nq; q++) {
            int ng = search(c.Q + q * (size_t)c.dim, ef, got.data());
            score(c, got, q, ng, h1, hk);
        }
        double dt = now() - t0, dc = cpu_now() - c0;
        snprintf(buf, sizeof buf,
                 "%s{\"ef_search\": %d, \"qps\": %.1f, \"qps_cpu\": %.1f, \"recall_at_1\": %.4f, \"recall_at_10\": %.4f}",
                 e ? ", " : "", ef, c.nq / dt, c.nq / dc, h1 / c.nq, hk / c.nq);
        out += buf;
    }
    return out;
}

static Result run_faultline(const Ctx &c)
{
    Result r;
    char err[ERRMSG_SIZE];
    ann_params p;
    ann_params_default(&p);
    p.M = c.M;
    p.ef_construction = c.efc;
    p.brute_force_below = 0;
    long rss0 = rss_bytes();
    double t0 = now(), c0 = cpu_now();
    ann_index *idx = ann_new(c.dim, &p, err);
    if (!idx || ann_reserve(idx, c.n, err)) {
        fprintf(stderr, "faultline: %s\n", err);
        exit(1);
    }
    for (size_t i = 0; i < c.n; i++)
        if (ann_insert(idx, (int64_t)i, c.X + i * (size_t)c.dim, err)) {
            fprintf(stderr, "faultline: %s\n", err);
            exit(1);
        }
    r.build_s = now() - t0;
    r.build_cpu_s = cpu_now() - c0;
    r.rss_delta = rss_bytes() - rss0;
    std::vector<ann_hit> hits(c.k);
    r.runs = sweep(c, [&](const float *q, int ef, int64_t *ids) {
        int n = 0;
        ann_search(idx, q, c.k, ef, nullptr, nullptr, hits.data(), &n, err);
        for (int i = 0; i < n; i++)
            ids[i] = hits[i].id;
        return n;
    });
    ann_free(idx);
    return r;
}

static Result run_hnswlib(const Ctx &c)
{
    Result r;
    long rss0 = rss_bytes();
    double t0 = now(), c0 = cpu_now();
    hnswlib::InnerProductSpace space(c.dim);
    auto *h = new hnswlib::HierarchicalNSW<float>(&space, c.n, c.M, c.efc);
    for (size_t i = 0; i < c.n; i++)
        h->addPoint(c.X + i * (size_t)c.dim, i);
    r.build_s = now() - t0;
    r.build_cpu_s = cpu_now() - c0;
    r.rss_delta = rss_bytes() - rss0;
    r.runs = sweep(c, [&](const float *q, int ef, int64_t *ids) {
        h->setEf(ef);
        auto res = h->searchKnn(q, c.k);
        int n = (int)res.size();
        for (int i = n - 1; i >= 0; i--) {   // max-heap: farthest first
            ids[i] = (int64_t)res.top().second;
            res.pop();
        }
        return n;
    });
    delete h;
    return r;
}

static Result run_faiss_hnsw(const Ctx &c)
{
    Result r;
    long rss0 = rss_bytes();
    double t0 = now(), c0 = cpu_now();
    faiss::IndexHNSWFlat idx(c.dim, c.M, faiss::METRIC_INNER_PRODUCT);
    idx.hnsw.efConstruction = c.efc;
    idx.add((faiss::Index::idx_t)c.n, c.X);
    r.build_s = now() - t0;
    r.build_cpu_s = cpu_now() - c0;
    r.rss_delta = rss_bytes() - rss0;
    std::vector<float> D(c.k);
    std::vector<faiss::Index::idx_t> I(c.k);
    r.runs = sweep(c, [&](const float *q, int ef, int64_t *ids) {
        idx.hnsw.efSearch = ef;
        idx.search(1, q, c.k, D.data(), I.data());
        int n = 0;
        for (int i = 0; i < c.k; i++)
            if (I[i] >= 0)
                ids[n++] = I[i];
        return n;
    });
    return r;
}

static Result run_faiss_flat(const Ctx &c)
{
    Result r;
    long rss0 = rss_bytes();
    double t0 = now(), c0 = cpu_now();
    faiss::IndexFlatIP idx(c.dim);
    idx.add((faiss::Index::idx_t)c.n, c.X);
    r.build_s = now() - t0;
    r.build_cpu_s = cpu_now() - c0;
    r.rss_delta = rss_bytes() - rss0;
    std::vector<float> D(c.k);
    std::vector<faiss::Index::idx_t> I(c.k);
    Ctx one = c;
    one.efs = {0};
    r.runs = sweep(one, [&](const float *q, int, int64_t *ids) {
        idx.search(1, q, c.k, D.data(), I.data());
        for (int i = 0; i < c.k; i++)
            ids[i] = I[i];
        return c.k;
    });
    return r;
}

// Runs fn in a child process and returns its JSON fragment.
template <class F>
static std::string in_child(const char *name, F fn)
{
    int fd[2];
    if (pipe(fd))
        exit(1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        Result r = fn();
        std::string s = "{\"library\": \"" + std::string(name) + "\", \"build_seconds\": " +
                        std::to_string(r.build_s) +
                        ", \"build_cpu_seconds\": " + std::to_string(r.build_cpu_s) + ", \"rss_delta_bytes\": " + std::to_string(r.rss_delta) +
                        ", \"runs\": [" + r.runs + "]}";
        if (write(fd[1], s.data(), s.size()) != (ssize_t)s.size())
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    std::string s;
    char buf[4096];
    ssize_t k;
    while ((k = read(fd[0], buf, sizeof buf)) > 0)
        s.append(buf, (size_t)k);
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    fprintf(stderr, "ann_compare: %s done\n", name);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return "{\"library\": \"" + std::string(name) + "\", \"error\": \"child failed\"}";
    return s;
}

int main(int argc, char **argv)
{
    const char *data = nullptr, *queries = nullptr, *label = "";
    Ctx c{};
    c.k = 10;
    c.M = 16;
    c.efc = 200;
    std::string efs = "10,20,40,80,100,160,320,640", libs = "faultline,hnswlib,faiss-hnsw,faiss-flat";
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        const char *v = argv[i + 1];
        if (a == "--data") data = v;
        else if (a == "--queries") queries = v;
        else if (a == "--dim") c.dim = atoi(v);
        else if (a == "--k") c.k = atoi(v);
        else if (a == "--M") c.M = atoi(v);
        else if (a == "--efc") c.efc = atoi(v);
        else if (a == "--ef") efs = v;
        else if (a == "--libs") libs = v;
        else if (a == "--label") label = v;
        else {
            fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if (!data || !queries || c.dim <= 0) {
        fprintf(stderr, "usage: ann_compare --data F --queries F --dim D [--k --M --efc --ef LIST --libs LIST --label S]\n");
        return 2;
    }
    omp_set_num_threads(1);
    std::vector<float> X = read_vectors(data, c.dim, c.n);
    std::vector<float> Q = read_vectors(queries, c.dim, c.nq);
    c.X = X.data();
    c.Q = Q.data();
    for (size_t p = 0, e; p < efs.size(); p = e + 1) {
        e = efs.find(',', p);
        if (e == std::string::npos)
            e = efs.size();
        c.efs.push_back(atoi(efs.substr(p, e - p).c_str()));
    }

    // Ground truth: exact inner-product search.
    double t0 = now();
    {
        faiss::IndexFlatIP flat(c.dim);
        flat.add((faiss::Index::idx_t)c.n, c.X);
        std::vector<float> D(c.nq * (size_t)c.k);
        std::vector<faiss::Index::idx_t> I(c.nq * (size_t)c.k);
        flat.search((faiss::Index::idx_t)c.nq, c.Q, c.k, D.data(), I.data());
        c.truth.assign(I.begin(), I.end());
    }
    double gt_s = now() - t0;
    fprintf(stderr, "ann_compare: ground truth in %.1f s\n", gt_s);

    std::string out = "{\"label\": \"" + std::string(label) + "\", \"n\": " + std::to_string(c.n) +
                      ", \"dim\": " + std::to_string(c.dim) + ", \"queries\": " + std::to_string(c.nq) +
                      ", \"k\": " + std::to_string(c.k) + ", \"M\": " + std::to_string(c.M) +
                      ", \"ef_construction\": " + std::to_string(c.efc) + ", \"faultline_simd\": \"" +
                      ann_simd_name() + "\", \"results\": [";
    bool first = true;
    for (size_t p = 0, e; p < libs.size(); p = e + 1) {
        e = libs.find(',', p);
        if (e == std::string::npos)
            e = libs.size();
        std::string lib = libs.substr(p, e - p);
        std::string s;
        if (lib == "faultline") s = in_child("faultline", [&] { return run_faultline(c); });
        else if (lib == "hnswlib") s = in_child("hnswlib", [&] { return run_hnswlib(c); });
        else if (lib == "faiss-hnsw") s = in_child("faiss-hnsw", [&] { return run_faiss_hnsw(c); });
        else if (lib == "faiss-flat") s = in_child("faiss-flat", [&] { return run_faiss_flat(c); });
        else {
            fprintf(stderr, "unknown library %s\n", lib.c_str());
            return 2;
        }
        out += (first ? "" : ", ") + s;
        first = false;
        fprintf(stderr, "%s\n", s.c_str());
    }
    out += "]}";
    printf("%s\n", out.c_str());
    return 0;
}
