/* Shared by the mesh kernel's files (slicing/_meshkernel.c, the module; _meshkernel_topology.c,
 * welding, edges and bodies; _meshkernel_figures.c, per-face figures, the box, close pairs). */

#ifndef FABLAB_MESHKERNEL_H
#define FABLAB_MESHKERNEL_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Loops built for AVX-512 and AVX2 too, the processor's best chosen at load time (an ifunc):
 * only on x86-64 with a compiler that knows target_clones; elsewhere (aarch64) one plain build. */
#if defined(__x86_64__) && (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 6))
#define MK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MK_CLONES
#endif

void *mk_big_zeroed(size_t bytes);
void mk_big_free(void *p, size_t bytes);

PyObject *mk_weld(PyObject *self, PyObject *args);
PyObject *mk_edges(PyObject *self, PyObject *args);
PyObject *mk_bodies(PyObject *self, PyObject *args);
PyObject *mk_per_face(PyObject *self, PyObject *args);
PyObject *mk_bounds(PyObject *self, PyObject *args);
PyObject *mk_close_pairs(PyObject *self, PyObject *args);

#endif
