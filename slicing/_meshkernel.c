/* The topology passes of the mesh analysis in linear time: vertex welding by a hash table,
 * edge classification from a per-vertex adjacency, bodies by union-find.
 *
 * Why C: the numpy passes (slicing/readers/weld.py, slicing/analysis/mesh_facts.py) are sorts
 * of 3.9 M keys and scatters at 1.3 M triangles; admesh does the same checks in C in less time
 * than the sorts alone. No well-kept library does exact STL welding and edge checks fast with
 * a small import (trimesh, open3d, vtk, pymeshlab are slower or huge; numba's import and JIT
 * cost more than the whole budget), hence this small module.
 *
 * A plain CPython extension, no numpy headers: every array comes in through the buffer
 * protocol ("y*" read, "w*" written), allocated by the Python side (slicing/meshkernel.py).
 * Results are bit for bit those of the numpy passes, which stay as the reference and the
 * fallback (FABLAB_MESH_KERNEL=numpy). The loops run without the GIL.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---------------------------------------------------------------- big buffers */

/* A zeroed scratch buffer of its own mapping, in 2 MB pages where the kernel has them: the
 * passes touch every page of their tables (16 MB for the weld's at 1.3 M faces), and a fault
 * per 4 kB page (4,000 of them) cost more than the look-ups. numpy asks the same of its arrays. */
static void *big_zeroed(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (bytes >= (4u << 20))
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

static void big_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes ? bytes : 1);
}

/* ---------------------------------------------------------------- welding */

/* numpy's np.round(x, 8) in the value's own type (x * 1e8, rint, / 1e8), then + 0 (-0.0 -> 0.0). */
static inline float round_f(float x)
{
    float y = rintf(x * 1e8f) / 1e8f;
    return y + 0.0f;
}

static inline double round_d(double x)
{
    double y = rint(x * 1e8) / 1e8;
    return y + 0.0;
}

/* MurmurHash3's 32-bit mixing of a corner's words: 32-bit multiplies, so the chunk pass below
 * runs on vector registers (AVX2 has no 64-bit multiply). */
static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static inline uint32_t mix_word(uint32_t h, uint32_t w)
{
    w *= 0xcc9e2d51u;
    w = rotl32(w, 15);
    w *= 0x1b873593u;
    h ^= w;
    h = rotl32(h, 13);
    return h * 5 + 0xe6546b64u;
}

#define SEED 0x9747b28cu

#define CHUNK 1024 /* corners rounded and hashed at a time, into buffers that stay in L1 */

static inline uint32_t bits_f(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

static inline uint64_t bits_d(double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    return u;
}

static inline uint32_t fmix32(uint32_t h, uint32_t bytes)
{
    h ^= bytes;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/* The hash of a vertex's words, as the chunk passes below compute it (vectorised). */
static inline uint32_t hash_words(const uint32_t *w, const int words)
{
    uint32_t h = SEED;
    for (int i = 0; i < words; i++)
        h = mix_word(h, w[i]);
    return fmix32(h, (uint32_t)words * 4);
}

/* A chunk of corners rounded as numpy rounds them (their words) and hashed. The same IEEE
 * operations on every target (no FMA: -ffp-contract=off); built for AVX-512 and AVX2 too,
 * the processor's best chosen at load time. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void round_hash_f(const float *restrict src, int n, uint32_t *restrict w, uint32_t *restrict h)
{
    for (int j = 0; j < n; j++) {
        uint32_t x = bits_f(round_f(src[3 * j])), y = bits_f(round_f(src[3 * j + 1])),
                 z = bits_f(round_f(src[3 * j + 2]));
        w[3 * j] = x;
        w[3 * j + 1] = y;
        w[3 * j + 2] = z;
        h[j] = fmix32(mix_word(mix_word(mix_word(SEED, x), y), z), 12);
    }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
static void round_hash_d(const double *restrict src, int n, uint32_t *restrict w, uint32_t *restrict h)
{
    for (int j = 0; j < n; j++) {
        uint64_t x = bits_d(round_d(src[3 * j])), y = bits_d(round_d(src[3 * j + 1])),
                 z = bits_d(round_d(src[3 * j + 2]));
        uint32_t part[6] = {(uint32_t)x, (uint32_t)(x >> 32), (uint32_t)y, (uint32_t)(y >> 32),
                            (uint32_t)z, (uint32_t)(z >> 32)};
        uint32_t g = SEED;
        for (int i = 0; i < 6; i++) {
            w[6 * j + i] = part[i];
            g = mix_word(g, part[i]);
        }
        h[j] = fmix32(g, 24);
    }
}

/* A slot holds a vertex's rounded bits and its number + 1 (0: empty): a look-up reads one
 * cache line and nothing else. 16 bytes for float32 corners, 32 for float64. */
typedef struct {
    uint32_t w[3];
    uint32_t id;
} slot12_t;

typedef struct {
    uint32_t w[6];
    uint32_t id;
    uint32_t pad;
} slot24_t;

static inline int same_words(const uint32_t *a, const uint32_t *b, const int wide)
{
    int same = a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
    return wide ? same && a[3] == b[3] && a[4] == b[4] && a[5] == b[5] : same;
}

#define RECENT 8192 /* slots of the small table of recently seen vertices (128 kB for float32) */
/* (Prefetching the big table's slots a few corners ahead made the loop slower here: the
 * look-ahead costs every corner, and the table, 16 MB at 1.3 M faces, mostly sits in L3.) */

/* The welding loop, specialised by `wide` (a constant at each call). Returns the number of
 * vertices, or -1 when memory ran out.
 *
 * A file lists neighbouring triangles near each other: 97 % of the corners that repeat a
 * vertex repeat one seen in the last thousand corners. A small direct-mapped table of recent
 * vertices (it stays in the CPU's cache) answers those; the big table, where every look-up is
 * a cache miss, is asked only for the rest and for new vertices. */
static inline __attribute__((always_inline)) Py_ssize_t weld_loop(const char *src, Py_ssize_t k, int32_t *inv,
                                                                   char *store, const int wide)
{
    const size_t slot_size = wide ? sizeof(slot24_t) : sizeof(slot12_t);
    const int words = wide ? 6 : 3;
    int bits = 10;
    while (((Py_ssize_t)1 << bits) < k / 4 && bits < 31)
        bits++;
    char *table = big_zeroed(slot_size << bits);
    char *recent = calloc(RECENT, slot_size);
    uint32_t *cw = malloc(sizeof(uint32_t) * 6 * CHUNK), *ch = malloc(sizeof(uint32_t) * CHUNK);
    Py_ssize_t used = 0;
    if (!table || !recent || !cw || !ch) {
        used = -1;
        goto out;
    }
    uint32_t mask = ((uint32_t)1 << bits) - 1;
    int shift = 32 - bits;
    for (Py_ssize_t base = 0; base < k; base += CHUNK) {
        int n = k - base < CHUNK ? (int)(k - base) : CHUNK;
        if (wide)
            round_hash_d((const double *)src + 3 * base, n, cw, ch);
        else
            round_hash_f((const float *)src + 3 * base, n, cw, ch);
        for (int j = 0; j < n; j++) {
            const uint32_t *w = cw + j * words;
            uint32_t h = ch[j];
            Py_ssize_t c = base + j;
            uint32_t *seen = (uint32_t *)(recent + (h & (RECENT - 1)) * slot_size);
            if (seen[words] && same_words(seen, w, wide)) {
                inv[c] = (int32_t)(seen[words] - 1);
                continue;
            }
            uint32_t i = h >> shift;
            uint32_t *slot;
            for (;;) {
                slot = (uint32_t *)(table + (size_t)i * slot_size);
                if (!slot[words] || same_words(slot, w, wide))
                    break;
                i = (i + 1) & mask;
            }
            if (!slot[words]) { /* a new vertex */
                memcpy(slot, w, (size_t)words * 4);
                slot[words] = (uint32_t)(used + 1);
                memcpy(store + (size_t)used * words * 4, w, (size_t)words * 4);
                used++;
            }
            memcpy(seen, slot, slot_size);
            inv[c] = (int32_t)(slot[words] - 1);
            if ((uint64_t)used * 10 > ((uint64_t)mask + 1) * 7) { /* past 70 % full: twice the slots */
                char *bigger = big_zeroed(slot_size << (bits + 1));
                if (!bigger) {
                    used = -1;
                    goto out;
                }
                bits++;
                mask = mask * 2 + 1;
                shift--;
                for (uint32_t s = 0; s <= mask / 2; s++) {
                    const uint32_t *old = (const uint32_t *)(table + (size_t)s * slot_size);
                    if (!old[words])
                        continue;
                    uint32_t t = hash_words(old, words) >> shift;
                    while (((uint32_t *)(bigger + (size_t)t * slot_size))[words])
                        t = (t + 1) & mask;
                    memcpy(bigger + (size_t)t * slot_size, old, slot_size);
                }
                big_free(table, slot_size << (bits - 1));
                table = bigger;
            }
        }
    }
out:
    big_free(table, slot_size << bits);
    free(recent);
    free(cw);
    free(ch);
    return used;
}

/* weld(corners, wide, inverse, vertices) -> m
 * corners: k * 3 float32 (wide=0) or float64 (wide=1), C order; inverse: k int32 out, each
 * corner's vertex; vertices: k * 3 of the corners' type out, its first m rows the rounded
 * vertices in file order (by their first corner). */
static PyObject *weld(PyObject *self, PyObject *args)
{
    Py_buffer corners, inverse, vertices;
    int wide;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*pw*w*", &corners, &wide, &inverse, &vertices))
        return NULL;
    PyObject *result = NULL;
    int size = wide ? 24 : 12;
    Py_ssize_t k = corners.len / size, m;
    if (corners.len != k * size || inverse.len < k * 4 || vertices.len < k * size || k >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "weld: buffer sizes do not match the corners");
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    if (wide)
        m = weld_loop(corners.buf, k, inverse.buf, vertices.buf, 1);
    else
        m = weld_loop(corners.buf, k, inverse.buf, vertices.buf, 0);
    Py_END_ALLOW_THREADS
    result = m < 0 ? PyErr_NoMemory() : PyLong_FromSsize_t(m);
done:
    PyBuffer_Release(&corners);
    PyBuffer_Release(&inverse);
    PyBuffer_Release(&vertices);
    return result;
}

/* ---------------------------------------------------------------- edges */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void sort_small(uint32_t *a, Py_ssize_t n)
{
    if (n > 24) {
        qsort(a, (size_t)n, sizeof(uint32_t), cmp_u32);
        return;
    }
    for (Py_ssize_t i = 1; i < n; i++) {
        uint32_t x = a[i];
        Py_ssize_t j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* edges(faces, m, pairs, kinds) -> count
 * faces: n * 3 int32 (vertices 0..m-1); pairs: out, 2 int32 per reported edge (low, high
 * vertex), kinds: out, one int8 per reported edge: 0 used once (open), 1 three times or more
 * (non-manifold), 2 twice the same way (misoriented). Edges come sorted by (low, high), as
 * the numpy pass's sorted keys give them. Each needs room for 3 n edges. Returns -1 with no
 * exception set when the faces hold a vertex outside 0..m-1 (the caller says so). */
static PyObject *edges(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer faces, pairs, kinds;
    Py_ssize_t m;
    if (!PyArg_ParseTuple(args, "y*nw*w*", &faces, &m, &pairs, &kinds))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t h = faces.len / 4; /* half-edges */
    if (faces.len % 12 || pairs.len < h * 8 || kinds.len < h || m < 0 || m >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "edges: buffer sizes do not match the faces");
        goto done;
    }
    size_t start_bytes = ((size_t)m + 2) * sizeof(int32_t), adj_bytes = (size_t)h * sizeof(uint32_t);
    int32_t *start = big_zeroed(start_bytes);
    uint32_t *adj = big_zeroed(adj_bytes);
    if (!start || !adj) {
        big_free(start, start_bytes);
        big_free(adj, adj_bytes);
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t count = 0;
    Py_BEGIN_ALLOW_THREADS
    const uint32_t *f = faces.buf;
    for (Py_ssize_t e = 0; e < h; e += 3) { /* each face's half-edges a -> b, kept at their lower vertex */
        uint32_t a = f[e], b = f[e + 1], c = f[e + 2];
        if (a >= (uint32_t)m || b >= (uint32_t)m || c >= (uint32_t)m) {
            count = -1;
            break;
        }
        start[(a < b ? a : b) + 2]++;
        start[(b < c ? b : c) + 2]++;
        start[(c < a ? c : a) + 2]++;
    }
    if (count == 0) {
        for (Py_ssize_t v = 2; v < m + 2; v++)
            start[v] += start[v - 1];
        for (Py_ssize_t e = 0; e < h; e += 3) { /* (high vertex << 1 | a > b): the numpy key's low bits */
            uint32_t corner[4] = {f[e], f[e + 1], f[e + 2], f[e]};
            for (int s = 0; s < 3; s++) {
                uint32_t a = corner[s], b = corner[s + 1];
                uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
                adj[start[lo + 1]++] = hi << 1 | (a > b);
            }
        }
        int32_t *out = pairs.buf;
        int8_t *kind = kinds.buf;
        for (Py_ssize_t v = 0; v < m; v++) {
            uint32_t *list = adj + start[v];
            Py_ssize_t d = start[v + 1] - start[v];
            sort_small(list, d);
            for (Py_ssize_t i = 0; i < d;) {
                Py_ssize_t j = i + 1;
                while (j < d && (list[j] >> 1) == (list[i] >> 1))
                    j++;
                int k = j - i == 1 ? 0 : j - i >= 3 ? 1 : list[i] == list[i + 1] ? 2 : -1;
                if (k >= 0) {
                    out[2 * count] = (int32_t)v;
                    out[2 * count + 1] = (int32_t)(list[i] >> 1);
                    kind[count++] = (int8_t)k;
                }
                i = j;
            }
        }
    }
    Py_END_ALLOW_THREADS
    big_free(start, start_bytes);
    big_free(adj, adj_bytes);
    result = PyLong_FromSsize_t(count);
done:
    PyBuffer_Release(&faces);
    PyBuffer_Release(&pairs);
    PyBuffer_Release(&kinds);
    return result;
}

/* ---------------------------------------------------------------- bodies */

static inline int32_t find_root(int32_t *parent, int32_t v)
{
    while (parent[v] != v) {
        parent[v] = parent[parent[v]]; /* path halving */
        v = parent[v];
    }
    return v;
}

/* bodies(faces, m, all_used, vertex_body, face_body) -> bodies
 * Vertices joined through the faces' edges; each body's root is its lowest vertex and bodies
 * are numbered by it (as the numpy union-find numbers them). vertex_body: m int32 out, each
 * vertex's body (-1 for a vertex no face uses, unless all_used); face_body: n int32 out.
 * Returns -1 when a face holds a vertex outside 0..m-1. */
static PyObject *bodies(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer faces, vertex_body, face_body;
    Py_ssize_t m;
    int all_used;
    if (!PyArg_ParseTuple(args, "y*npw*w*", &faces, &m, &all_used, &vertex_body, &face_body))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = faces.len / 12;
    if (faces.len % 12 || vertex_body.len < m * 4 || face_body.len < n * 4 || m < 0 || m >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "bodies: buffer sizes do not match the faces");
        goto done;
    }
    Py_ssize_t count = 0;
    Py_BEGIN_ALLOW_THREADS
    const int32_t *f = faces.buf;
    int32_t *parent = vertex_body.buf;
    int32_t *fb = face_body.buf;
    for (Py_ssize_t v = 0; v < m; v++)
        parent[v] = (int32_t)v;
    for (Py_ssize_t i = 0; i < 3 * n; i++) {
        if (f[i] < 0 || f[i] >= m) {
            count = -1;
            break;
        }
    }
    if (count == 0) {
        for (Py_ssize_t i = 0; i < n; i++) {
            int32_t r0 = find_root(parent, f[3 * i]);
            for (int j = 1; j < 3; j++) {
                int32_t r = find_root(parent, f[3 * i + j]);
                if (r < r0) {
                    parent[r0] = r;
                    r0 = r;
                } else if (r > r0) {
                    parent[r] = r0;
                }
            }
        }
        /* Roots are component minima, so a vertex's parent is below it: one pass in vertex
         * order leaves every vertex pointing at its root. */
        for (Py_ssize_t v = 0; v < m; v++)
            parent[v] = parent[parent[v]];
        /* Body numbers by root, counting only roots some face reaches (all of them when all_used).
         * fb holds, for now, each face's root; a root r is marked used by setting parent[r] = -2 - r. */
        for (Py_ssize_t i = 0; i < n; i++)
            fb[i] = parent[f[3 * i]];
        if (!all_used) {
            for (Py_ssize_t i = 0; i < n; i++)
                if (parent[fb[i]] >= 0)
                    parent[fb[i]] = -2 - fb[i];
        } else {
            for (Py_ssize_t v = 0; v < m; v++)
                if (parent[v] == v)
                    parent[v] = -2 - (int32_t)v;
        }
        /* In vertex order a root comes before every vertex of its body: number it, then point
         * the others at its number (a root's slot becomes its own number from here on). */
        for (Py_ssize_t v = 0; v < m; v++) {
            int32_t p = parent[v];
            if (p <= -2)
                parent[v] = (int32_t)count++;
            else if (p == v)
                parent[v] = -1; /* an unused vertex, its own root */
            else
                parent[v] = parent[p];
        }
        for (Py_ssize_t i = 0; i < n; i++)
            fb[i] = parent[fb[i]];
    }
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(count);
done:
    PyBuffer_Release(&faces);
    PyBuffer_Release(&vertex_body);
    PyBuffer_Release(&face_body);
    return result;
}

/* ---------------------------------------------------------------- per-face figures */

/* np.maximum / np.minimum of two values: the first when it is NaN or strictly beyond the
 * second, else the second (so of -0.0 and 0.0, the second, as numpy gives). */
static inline double max2(double a, double b) { return (a > b || a != a) ? a : b; }
static inline double min2(double a, double b) { return (a < b || a != a) ? a : b; }

/* The figures of n faces, the numpy pass's formulas term for term
 * (mesh_facts._per_face, _cross), in float64. */
#define PER_FACE_BODY(T, ZT)                                                                        \
    for (Py_ssize_t i = 0; i < n; i++) {                                                            \
        const T *t = tri + 9 * i;                                                                   \
        double x0 = t[0], y0 = t[1], z0 = t[2], x1 = t[3], y1 = t[4], z1 = t[5], x2 = t[6], y2 = t[7], \
               z2 = t[8];                                                                           \
        double ax = x1 - x0, ay = y1 - y0, az = z1 - z0, bx = x2 - x0, by = y2 - y0, bz = z2 - z0;   \
        double nx = ay * bz - az * by, ny = az * bx - ax * bz, nz = ax * by - ay * bx;              \
        double twice = sqrt(nx * nx + ny * ny + nz * nz);                                           \
        signed_volume[i] = (x0 * (y1 * z2 - z1 * y2) + y0 * (z1 * x2 - x1 * z2) + z0 * (x1 * y2 - y1 * x2)) / 6.0; \
        normal_z[i] = nz / (twice > 0 ? twice : INFINITY);                                         \
        area[i] = 0.5 * twice;                                                                      \
        top[i] = (ZT)max2(max2(z0, z1), z2);                                                        \
        bottom[i] = (ZT)min2(min2(z0, z1), z2);                                                     \
        finite &= (x0 - x0 == 0) & (y0 - y0 == 0) & (z0 - z0 == 0) & (x1 - x1 == 0) & (y1 - y1 == 0) & \
                  (z1 - z1 == 0) & (x2 - x2 == 0) & (y2 - y2 == 0) & (z2 - z2 == 0);                 \
    }

/* The box of the corners in one pass over their bits, on integers (vectorised, exact): a float's
 * bits, the magnitude bits flipped when negative, order as the floats do, -0.0 just below 0.0.
 * Per axis, also whether some value is -0.0 and whether one is 0.0: a bound at 0 takes the sign
 * of its axis's zeros, and with both there (numpy's reduction then keeps one of its own choice,
 * and the reports print the sign) the box is not given. Not given either when a value is not
 * finite. Returns whether given; bounds: lowest then highest x, y, z. */
#define BOX_FUNCTION(NAME, F, U, S, BITS)                                                           \
    __attribute__((target_clones("avx512f", "avx2", "default"))) static int NAME(                   \
        const U *restrict bits, Py_ssize_t k, double *restrict bounds)                              \
    {                                                                                               \
        const U sign = (U)1 << (BITS - 1), exponent = BITS == 32 ? (U)0x7F800000u : (U)0x7FF0000000000000ull; \
        S lo[3] = {(S)(~(U)0 >> 1), (S)(~(U)0 >> 1), (S)(~(U)0 >> 1)}, hi[3] = {(S)sign, (S)sign, (S)sign}; \
        int finite = 1, negative[3] = {0, 0, 0}, positive[3] = {0, 0, 0};                           \
        for (Py_ssize_t c = 0; c < k; c++) {                                                        \
            for (int a = 0; a < 3; a++) {                                                           \
                U u = bits[3 * c + a];                                                              \
                S key = (S)(u ^ ((U)((S)u >> (BITS - 1)) & ~sign));                                 \
                lo[a] = key < lo[a] ? key : lo[a];                                                  \
                hi[a] = key > hi[a] ? key : hi[a];                                                  \
                finite &= (u & exponent) != exponent;                                               \
                negative[a] |= u == sign;                                                           \
                positive[a] |= u == 0;                                                              \
            }                                                                                       \
        }                                                                                           \
        for (int a = 0; a < 3; a++) {                                                               \
            S ends[2] = {lo[a], hi[a]};                                                             \
            for (int j = 0; j < 2; j++) {                                                           \
                U u = (U)ends[j] ^ ((U)(ends[j] >> (BITS - 1)) & ~sign);                            \
                F v;                                                                                \
                memcpy(&v, &u, sizeof v);                                                           \
                if (v == 0) {                                                                       \
                    if (negative[a] && positive[a])                                                 \
                        return 0;                                                                   \
                    v = negative[a] ? -(F)0 : (F)0;                                                 \
                }                                                                                   \
                bounds[3 * j + a] = v;                                                              \
            }                                                                                       \
        }                                                                                           \
        return finite && k > 0;                                                                     \
    }

BOX_FUNCTION(box_f, float, uint32_t, int32_t, 32)
BOX_FUNCTION(box_d, double, uint64_t, int64_t, 64)

/* bounds(points, wide, bounds) -> given
 * points: k * 3 float32 (wide=0) or float64; bounds: 6 float64 out, the lowest then highest x,
 * y, z, as numpy's min and max give them. 0 (use numpy) when a value is not finite, or a zero
 * bound's sign is numpy's reduction's own choice (see BOX_FUNCTION). */
static PyObject *box(PyObject *self, PyObject *args)
{
    Py_buffer points, bounds;
    int wide;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*pw*", &points, &wide, &bounds))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t size = wide ? 8 : 4, k = points.len / (3 * size);
    if (points.len != k * 3 * size || bounds.len < 48) {
        PyErr_SetString(PyExc_ValueError, "bounds: buffer sizes do not match the points");
        goto done;
    }
    int given;
    Py_BEGIN_ALLOW_THREADS
    given = wide ? box_d(points.buf, k, bounds.buf) : box_f(points.buf, k, bounds.buf);
    Py_END_ALLOW_THREADS
    result = PyBool_FromLong(given);
done:
    PyBuffer_Release(&points);
    PyBuffer_Release(&bounds);
    return result;
}

/* per_face_f (float32 corners) and per_face_d (float64): 1 when every corner is finite. */
#define PER_FACE_FUNCTION(NAME, T)                                                                  \
    __attribute__((target_clones("avx512f", "avx2", "default"))) static int NAME(                   \
        const T *restrict tri, Py_ssize_t n, double *restrict area, double *restrict normal_z,       \
        double *restrict signed_volume, T *restrict bottom, T *restrict top)                         \
    {                                                                                               \
        int finite = 1;                                                                             \
        PER_FACE_BODY(T, T)                                                                         \
        return finite;                                                                              \
    }

PER_FACE_FUNCTION(per_face_f, float)
PER_FACE_FUNCTION(per_face_d, double)

/* per_face(triangles, wide, area, normal_z, signed, bottom, top) -> every corner finite
 * triangles: n * 9 float32 (wide=0) or float64; area, normal_z, signed: n float64 out; bottom,
 * top: n out, in the triangles' type. */
static PyObject *per_face(PyObject *self, PyObject *args)
{
    Py_buffer tri, area, normal_z, signed_volume, bottom, top;
    int wide;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*pw*w*w*w*w*", &tri, &wide, &area, &normal_z, &signed_volume, &bottom, &top))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t size = wide ? 8 : 4, n = tri.len / (9 * size);
    if (tri.len != n * 9 * size || area.len < n * 8 || normal_z.len < n * 8 || signed_volume.len < n * 8 ||
        bottom.len < n * size || top.len < n * size) {
        PyErr_SetString(PyExc_ValueError, "per_face: buffer sizes do not match the triangles");
        goto done;
    }
    int finite;
    Py_BEGIN_ALLOW_THREADS
    if (wide)
        finite = per_face_d(tri.buf, n, area.buf, normal_z.buf, signed_volume.buf, bottom.buf, top.buf);
    else
        finite = per_face_f(tri.buf, n, area.buf, normal_z.buf, signed_volume.buf, bottom.buf, top.buf);
    Py_END_ALLOW_THREADS
    result = PyBool_FromLong(finite);
done:
    PyBuffer_Release(&tri);
    PyBuffer_Release(&area);
    PyBuffer_Release(&normal_z);
    PyBuffer_Release(&signed_volume);
    PyBuffer_Release(&bottom);
    PyBuffer_Release(&top);
    return result;
}

/* ---------------------------------------------------------------- close pairs */

/* Whether two samples' faces face each other as the two sides of a wall (thin_walls.facing):
 * normals within 30° of opposite (their dot summed as numpy sums it there: (x + z) + y),
 * different faces, and (when the mesh's faces are given) no vertex in common. */
typedef struct {
    const int64_t *order; /* cell position -> sample */
    const double *nx, *ny, *nz;
    const int64_t *face;  /* sample -> face */
    const int32_t *tri;   /* face -> its three vertices, or NULL */
    Py_ssize_t faces;
} facing_t;

static inline int facing(const facing_t *f, Py_ssize_t p, Py_ssize_t q)
{
    int64_t i = f->order[p], j = f->order[q];
    double dot = (f->nx[i] * f->nx[j] + f->nz[i] * f->nz[j]) + f->ny[i] * f->ny[j];
    int64_t a = f->face[i], b = f->face[j];
    if (!(dot < -0.85) || a == b)
        return 0;
    if (!f->tri)
        return 1;
    const int32_t *u = f->tri + 3 * a, *v = f->tri + 3 * b;
    for (int s = 0; s < 3; s++)
        if (u[s] == v[0] || u[s] == v[1] || u[s] == v[2])
            return 0;
    return 1;
}

/* close_pairs(keys, x, y, z, deltas, r2, first, second[, order, nx, ny, nz, face, tri]) -> count
 * Points in cell order (keys: n int64 sorted, their grid cells; x, y, z: n float64), deltas: d
 * int64 key offsets of the neighbouring cells to look in (0: the point's own cell, only the
 * points after it). Pairs of positions (p, q) with squared distance <= r2, summed as numpy sums
 * ((dx² + dy²) + dz²), by offset, then p, then q: the order slicing/analysis/near_pairs.py finds
 * them in. With the facing arguments (order: n int64; nx, ny, nz: float64 per sample; face:
 * int64 per sample; tri: int32 3 per face, or empty), only the pairs that face each other.
 * first, second: int32 out; returns how many pairs there are, of which only as many as fit
 * were written (the caller calls again with room for all). */
static PyObject *close_pairs(PyObject *self, PyObject *args)
{
    Py_buffer keys, xs, ys, zs, deltas, first, second;
    Py_buffer extra[6] = {{0}}; /* the facing arguments: order, nx, ny, nz, face, tri */
    Py_buffer *fo = &extra[0], *ff = &extra[4], *ft = &extra[5];
    double r2;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*dw*w*|y*y*y*y*y*y*", &keys, &xs, &ys, &zs, &deltas, &r2, &first,
                          &second, &extra[0], &extra[1], &extra[2], &extra[3], &extra[4], &extra[5]))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = keys.len / 8, d = deltas.len / 8, room = first.len / 4;
    facing_t test = {fo->buf, extra[1].buf, extra[2].buf, extra[3].buf, ff->buf, ft->len ? ft->buf : NULL, ft->len / 12};
    int filtered = fo->obj != NULL;
    if (keys.len % 8 || xs.len < n * 8 || ys.len < n * 8 || zs.len < n * 8 || second.len / 4 < room ||
        n >= INT32_MAX ||
        (filtered && (fo->len < n * 8 || extra[1].len < n * 8 || extra[2].len < n * 8 || extra[3].len < n * 8 ||
                      ff->len < n * 8))) {
        PyErr_SetString(PyExc_ValueError, "close_pairs: buffer sizes do not match the points");
        goto done;
    }
    if (filtered && test.tri) { /* every sample's face must be one of the mesh's */
        for (Py_ssize_t i = 0; i < n; i++) {
            if (test.face[i] < 0 || test.face[i] >= test.faces) {
                PyErr_SetString(PyExc_ValueError, "close_pairs: a sample's face is not in the mesh");
                goto done;
            }
        }
    }
    Py_ssize_t count = 0;
    Py_BEGIN_ALLOW_THREADS
    const int64_t *key = keys.buf, *delta = deltas.buf;
    const double *x = xs.buf, *y = ys.buf, *z = zs.buf;
    int32_t *out1 = first.buf, *out2 = second.buf;
    for (Py_ssize_t o = 0; o < d; o++) {
        Py_ssize_t lo = 0;
        for (Py_ssize_t p = 0; p < n; p++) {
            int64_t target = key[p] + delta[o];
            Py_ssize_t q;
            if (delta[o] == 0) {
                q = p + 1;
            } else {
                while (lo < n && key[lo] < target) /* targets rise with p: one sweep per offset */
                    lo++;
                q = lo;
            }
            for (; q < n && key[q] == target; q++) {
                double dx = x[p] - x[q], dy = y[p] - y[q], dz = z[p] - z[q];
                double d2 = dx * dx;
                d2 += dy * dy;
                d2 += dz * dz;
                if (d2 <= r2 && (!filtered || facing(&test, p, q))) {
                    if (count < room) {
                        out1[count] = (int32_t)p;
                        out2[count] = (int32_t)q;
                    }
                    count++;
                }
            }
        }
    }
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(count);
done:
    PyBuffer_Release(&keys);
    PyBuffer_Release(&xs);
    PyBuffer_Release(&ys);
    PyBuffer_Release(&zs);
    PyBuffer_Release(&deltas);
    PyBuffer_Release(&first);
    PyBuffer_Release(&second);
    for (int i = 0; i < 6; i++)
        if (extra[i].obj)
            PyBuffer_Release(&extra[i]);
    return result;
}

static PyMethodDef methods[] = {
    {"weld", weld, METH_VARARGS, "weld(corners, wide, inverse, vertices) -> number of vertices"},
    {"edges", edges, METH_VARARGS, "edges(faces, m, pairs, kinds) -> number of edges reported"},
    {"bodies", bodies, METH_VARARGS, "bodies(faces, m, all_used, vertex_body, face_body) -> bodies"},
    {"close_pairs", close_pairs, METH_VARARGS,
     "close_pairs(keys, x, y, z, deltas, r2, first, second[, order, nx, ny, nz, face, tri]) -> count"},
    {"per_face", per_face, METH_VARARGS, "per_face(triangles, wide, area, normal_z, signed, bottom, top) -> finite"},
    {"bounds", box, METH_VARARGS, "bounds(points, wide, bounds) -> given"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_meshkernel", NULL, -1, methods};

PyMODINIT_FUNC PyInit__meshkernel(void) { return PyModule_Create(&module); }
