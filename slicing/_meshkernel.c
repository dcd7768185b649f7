/* The mesh analysis's passes over a million triangles, in linear time: vertex welding by a hash
 * table, edge classification from a per-vertex adjacency, bodies by union-find
 * (_meshkernel_topology.c); per-face figures, the box of the corners and the thin-wall check's
 * close pairs (_meshkernel_figures.c). This file: the module and its big scratch buffers.
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

#include "_meshkernel.h"

#include <sys/mman.h>

/* ---------------------------------------------------------------- big buffers */

/* A zeroed scratch buffer of its own mapping, in 2 MB pages where the kernel has them: the
 * passes touch every page of their tables (16 MB for the weld's at 1.3 M faces), and a fault
 * per 4 kB page (4,000 of them) cost more than the look-ups. numpy asks the same of its arrays. */
void *mk_big_zeroed(size_t bytes)
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

void mk_big_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes ? bytes : 1);
}

static PyMethodDef methods[] = {
    {"weld", mk_weld, METH_VARARGS, "weld(corners, wide, inverse, vertices) -> number of vertices"},
    {"edges", mk_edges, METH_VARARGS, "edges(faces, m, pairs, kinds) -> number of edges reported"},
    {"bodies", mk_bodies, METH_VARARGS, "bodies(faces, m, all_used, vertex_body, face_body) -> bodies"},
    {"close_pairs", mk_close_pairs, METH_VARARGS,
     "close_pairs(keys, x, y, z, deltas, r2, first, second[, order, nx, ny, nz, face, tri]) -> count"},
    {"per_face", mk_per_face, METH_VARARGS, "per_face(triangles, wide, area, normal_z, signed, bottom, top) -> finite"},
    {"bounds", mk_bounds, METH_VARARGS, "bounds(points, wide, bounds) -> given"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_meshkernel", NULL, -1, methods};

PyMODINIT_FUNC PyInit__meshkernel(void) { return PyModule_Create(&module); }
