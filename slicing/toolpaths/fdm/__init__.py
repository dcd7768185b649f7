"""FDM printing: the built-in slicer and the PrusaSlicer command-line wrapper."""
