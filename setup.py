"""The compiled parts of the project: slicing/_meshkernel*.c (the mesh analysis's passes, see
slicing/_meshkernel.c) and gcode_reader/_numbers.c (a program's words and numbers). Everything else is
declared in pyproject.toml; `pip install -e .` (`make`) builds them. Where one cannot be built
or imported, slicing/meshkernel.py and gcode_reader/numbers.py run their numpy passes
instead, with the same results."""

from setuptools import Extension, setup

# Bit-for-bit the numpy passes' arithmetic: no fused multiply-add, no fast-math reordering
# (-fno-math-errno only lets sqrt be the instruction, not a call that may set errno).
EXACT = ["-O3", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno"]

setup(ext_modules=[
    Extension(
        "slicing._meshkernel",
        sources=["slicing/_meshkernel.c", "slicing/_meshkernel_topology.c", "slicing/_meshkernel_figures.c"],
        depends=["slicing/_meshkernel.h"],
        optional=True,  # no compiler: the install goes on, and the numpy passes run (same results)
        extra_compile_args=EXACT,
    ),
    Extension("gcode_reader._numbers", sources=["gcode_reader/_numbers.c"], optional=True, extra_compile_args=EXACT),
])
