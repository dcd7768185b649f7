"""The one compiled part of the project: slicing/_meshkernel*.c (the mesh analysis's passes,
see slicing/_meshkernel.c). Everything else is declared in pyproject.toml; `pip install -e .`
(`make`) builds the extension. Where it cannot be built or imported, slicing/meshkernel.py
runs the numpy passes instead, with the same results."""

from setuptools import Extension, setup

setup(ext_modules=[Extension(
    "slicing._meshkernel",
    sources=["slicing/_meshkernel.c", "slicing/_meshkernel_topology.c", "slicing/_meshkernel_figures.c"],
    depends=["slicing/_meshkernel.h"],
    optional=True,  # no compiler: the install goes on, and the numpy passes run (same results)
    # Bit-for-bit the numpy passes' arithmetic: no fused multiply-add, no fast-math reordering
    # (-fno-math-errno only lets sqrt be the instruction, not a call that may set errno).
    extra_compile_args=["-O3", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno"],
)])
