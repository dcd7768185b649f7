/* Per-face figures, the box of the corners and the thin-wall check's close pairs, for the mesh
 * kernel (see _meshkernel.c). */

#include "_meshkernel.h"

/* ---------------------------------------------------------------- per-face figures */

/* np.maximum / np.minimum of two values: the first when it is NaN or strictly beyond the
 * second, else the second (so of -0.0 and 0.0, the second, as numpy gives). */
static inline double max2(double a, double b) { return ((a > b) | (a != a)) ? a : b; }
static inline double min2(double a, double b) { return ((a < b) | (a != a)) ? a : b; }

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
    MK_CLONES static int NAME(                   \
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
PyObject *mk_bounds(PyObject *self, PyObject *args)
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
    MK_CLONES static int NAME(                   \
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
PyObject *mk_per_face(PyObject *self, PyObject *args)
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
PyObject *mk_close_pairs(PyObject *self, PyObject *args)
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
