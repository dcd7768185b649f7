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

void *mk_big_zeroed(size_t bytes);
void mk_big_free(void *p, size_t bytes);

PyObject *mk_weld(PyObject *self, PyObject *args);
PyObject *mk_edges(PyObject *self, PyObject *args);
PyObject *mk_bodies(PyObject *self, PyObject *args);
PyObject *mk_per_face(PyObject *self, PyObject *args);
PyObject *mk_bounds(PyObject *self, PyObject *args);
PyObject *mk_close_pairs(PyObject *self, PyObject *args);

#endif
