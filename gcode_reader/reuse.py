"""The words of a program from the words of an earlier version of it: only the lines that
differ are read again.

A slicer writes its program, then a post-processing pass adds lines to it (PrusaSlicer: its
`M73` progress lines, and the lines that replace its `;_GP_` placeholders). The program can
be read while the slicer writes it (`slicing.slicer_stream`), and that reading is reused for
the final file: every line of the final program that is equal to a line of the first version
keeps that line's words, and the others are read now. Words depend on their line's text
alone (`tokens.joined`), so the result is exactly `tokenize(new)`, whatever matching is found;
a poor match only means more lines read again.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress, count
from operator import ne

import numpy as np

from gcode_reader.tokens import Words, tokenize


def matched_runs(old: Sequence[str], new: Sequence[str], gone_prefix: str, budget: int) -> list[tuple[int, int, int]] | None:
    """(i, j, k): old[i:i+k] == new[j:j+k], in order, covering the common lines when `new` is
    `old` with lines added and lines starting with `gone_prefix` replaced. None when more
    than `budget` lines of `new` are unmatched (something else changed: read it all)."""
    runs: list[tuple[int, int, int]] = []
    i = j = unmatched = 0
    while i < len(old) and j < len(new):
        if old[i] != new[j]:
            if old[i].startswith(gone_prefix):
                i += 1  # a placeholder the post-processing replaced
                continue
            j += 1  # a line the post-processing added
            unmatched += 1
            if unmatched > budget:
                return None
            continue
        k = _equal_run(old, i, new, j)
        runs.append((i, j, k))
        i, j = i + k, j + k
    return runs


def _equal_run(old: Sequence[str], i: int, new: Sequence[str], j: int) -> int:
    """How many lines old[i:] and new[j:] share from their start (compared in C, no copies)."""
    a, b = iter(old), iter(new)
    a.__setstate__(i)  # type: ignore[attr-defined] - list iterators start where they are told
    b.__setstate__(j)  # type: ignore[attr-defined]
    k = next(compress(count(), map(ne, a, b)), None)
    return min(len(old) - i, len(new) - j) if k is None else k


def reused_words(old: Sequence[str], old_words: Words, new: Sequence[str], gone_prefix: str = ";_GP_",
                 text: str | None = None) -> Words:
    """`tokenize(new)`, reading only the lines of `new` not found in `old` (see module doc).
    `text`: `"\n".join(new)`, when the caller has it (see `tokenize`)."""
    runs = matched_runs(old, new, gone_prefix, budget=1000 + len(new) // 20) if len(old) and len(new) else None
    if not runs or old_words.n_lines != len(old):
        return tokenize(new, text)
    target = np.full(len(old), -1, dtype=np.int64)  # old line -> new line (-1: not kept)
    covered = np.zeros(len(new), dtype=bool)
    for i, j, k in runs:
        target[i : i + k] = np.arange(j, j + k)
        covered[j : j + k] = True
    fresh = np.flatnonzero(~covered)
    added = tokenize([new[x] for x in fresh]) if len(fresh) else None

    kept = target[old_words.line] >= 0
    line = target[old_words.line[kept]]
    letter, value = old_words.letter[kept], old_words.value[kept]
    bad = target[old_words.bad_lines]
    bad = bad[bad >= 0]
    settings = [(int(target[n]), key, v) for n, key, v in old_words.settings if target[n] >= 0]
    line_bytes = np.zeros(len(new), dtype=np.int64)
    mapped = target >= 0
    if old_words.line_bytes is not None:
        line_bytes[target[mapped]] = old_words.line_bytes[: len(old)][mapped]
    if added is not None:
        bad = np.concatenate((bad, fresh[added.bad_lines]))
        settings += [(int(fresh[n]), key, v) for n, key, v in added.settings]
        if added.line_bytes is not None:
            line_bytes[fresh] = added.line_bytes[: len(fresh)]
        # the added words slotted in among the kept ones (each line comes from one side only)
        at = np.searchsorted(line, fresh[added.line]) + np.arange(len(added.line))
        slot = np.zeros(len(line) + len(added.line), dtype=bool)
        slot[at] = True
        line = _merged(line, fresh[added.line], slot)
        letter, value = _merged(letter, added.letter, slot), _merged(value, added.value, slot)
        bad.sort()
        settings.sort(key=lambda s: s[0])
    return Words(n_lines=len(new), line=line, letter=letter, value=value, bad_lines=bad, settings=settings,
                 line_bytes=line_bytes, trimmed=old_words.trimmed or (added is not None and added.trimmed))


def _merged(kept: np.ndarray, added: np.ndarray, slot: np.ndarray) -> np.ndarray:
    out = np.empty(len(slot), dtype=kept.dtype)
    out[slot] = added
    out[~slot] = kept
    return out
