/* Welding, edges and bodies of the mesh kernel (see _meshkernel.c). */

#include "_meshkernel.h"

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
MK_CLONES
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

MK_CLONES
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
    char *table = mk_big_zeroed(slot_size << bits);
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
                char *bigger = mk_big_zeroed(slot_size << (bits + 1));
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
                mk_big_free(table, slot_size << (bits - 1));
                table = bigger;
            }
        }
    }
out:
    mk_big_free(table, slot_size << bits);
    free(recent);
    free(cw);
    free(ch);
    return used;
}

/* weld(corners, wide, inverse, vertices) -> m
 * corners: k * 3 float32 (wide=0) or float64 (wide=1), C order; inverse: k int32 out, each
 * corner's vertex; vertices: k * 3 of the corners' type out, its first m rows the rounded
 * vertices in file order (by their first corner). */
PyObject *mk_weld(PyObject *self, PyObject *args)
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
PyObject *mk_edges(PyObject *self, PyObject *args)
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
    int32_t *start = mk_big_zeroed(start_bytes);
    uint32_t *adj = mk_big_zeroed(adj_bytes);
    if (!start || !adj) {
        mk_big_free(start, start_bytes);
        mk_big_free(adj, adj_bytes);
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
    mk_big_free(start, start_bytes);
    mk_big_free(adj, adj_bytes);
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
PyObject *mk_bodies(PyObject *self, PyObject *args)
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
