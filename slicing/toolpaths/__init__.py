"""Toolpaths and machine programs: laser, CNC, vinyl and FDM.

Each process module turns geometry plus a machine's process settings into program lines
(G-code or HPGL); `slicing.prepare.prepare_program` is the one entry point callers use.
"""
