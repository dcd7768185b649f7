"""Files for the people tests: a laser square (closed or not) and a small printable cube."""

from __future__ import annotations

import struct


def square(size: float = 8, closed: bool = True) -> bytes:
    d = f"M2 2 L{2 + size} 2 L{2 + size} {2 + size} L2 {2 + size}" + (" Z" if closed else "")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="20mm" height="20mm" viewBox="0 0 20 20">'
            f'<path d="{d}" fill="none" stroke="#ff0000" stroke-width="0.1"/></svg>').encode()


def cube(size: float = 8) -> bytes:
    v = [(0, 0, 0), (size, 0, 0), (size, size, 0), (0, size, 0), (0, 0, size), (size, 0, size), (size, size, size),
         (0, size, size)]
    faces = [(0, 2, 1), (0, 3, 2), (4, 5, 6), (4, 6, 7), (0, 1, 5), (0, 5, 4), (1, 2, 6), (1, 6, 5), (2, 3, 7),
             (2, 7, 6), (3, 0, 4), (3, 4, 7)]
    out = bytearray(b"cube".ljust(80, b" ") + struct.pack("<I", len(faces)))
    for f in faces:
        out += struct.pack("<3f", 0, 0, 0) + b"".join(struct.pack("<3f", *v[i]) for i in f) + b"\0\0"
    return bytes(out)
