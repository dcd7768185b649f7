"""G-code lines -> (line, letter, value) words, parsed all at once with numpy.

The time model has to read a million-line print in a few seconds, which a per-line Python
parser (a regex and a dict per line, 3-5 µs) cannot do. Here the whole program becomes one
byte array: comments, checksums and free-text commands are blanked by masks, letters and
number runs are found by character class, and every number of the file is read by a few
numpy passes per character column (`numbers.numbers_at`). Lines that do not have the strict
`letter number` shape are reported in `bad_lines` (and ignored by the model) rather than
guessed at. The grammar is `words.read_line`'s (comments, checksums, free-text commands):
this is its fast form for whole programs (time model, checks, previews); the resume
preamble and a single line's reasons read line by line (`words.read_line`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from gcode_reader.numbers import compiled, numbers_at, read_long
from gcode_reader.words import FREE_TEXT_M

# Removed before anything else; each keeps its line break so line numbers hold.
# Comments, then Marlin checksums (*nn) after the words: each line cut at the first ';' or '*'.
# Two patterns opening with a literal (the regex engine jumps to it) instead of one character
# class it would try at every position: 7x faster on a slicer's program.
_COMMENTS = re.compile(rb";[^\n]*")
_CHECKSUMS = re.compile(rb"\*[^\n]*")
_PARENS = re.compile(rb"\([^)\n]*\)?")  # (comments) of CAM programs
# Commands whose argument is free text (messages, file names): the whole line is dropped.
_FREE_CODES = "|".join(str(m) for m in FREE_TEXT_M).encode()  # the one reader's list (gcode_reader)
_FREE_TEXT_KEY = re.compile(rb"M(?:" + _FREE_CODES + rb")")
_FREE_TEXT = re.compile(rb"(?m)^[ \t]*(?:N\d+[ \t]*)?M(?:" + _FREE_CODES + rb")(?![0-9.])[^\n]*")
_SPECIAL = re.compile(rb"[$%][^\n]*")  # GRBL `$` commands and `%` program markers
_SETTING = re.compile(rb"^\$(\d+)\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+))")

_SPACE, _NEWLINE = 32, 10


@dataclass
class Words:
    """Every `letter number` word of a program, in program order."""

    n_lines: int
    line: np.ndarray  # int64, 0-based line of each word
    letter: np.ndarray  # uint8, upper-case ASCII letter
    value: np.ndarray  # float64
    bad_lines: np.ndarray  # int64, lines that could not be read (ignored)
    settings: list[tuple[int, int, float]]  # GRBL `$N=value` lines: (line, N, value)
    line_bytes: np.ndarray | None = None  # int64 per line: bytes a sender transmits (no comments, + newline)
    # Whether reading blanked more than `;` comments (checksums, (comments), free-text commands,
    # `$`/`%` lines): when not, every letter of a line before its `;` is in a word or makes the
    # line unreadable (`bad_lines`), which the program checks use to look at few lines.
    trimmed: bool = False
    _columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    # What is derived from the whole program and read by several passes over it (the checks,
    # the preview, the time model: `program.interpret` per flavour, the layer marks), kept
    # with the words so a long program is interpreted once; read-only like the columns.
    memo: dict[object, object] = field(default_factory=dict, repr=False, compare=False)

    def has(self, letter: str) -> bool:
        """Whether any word has this letter (counted once for all letters)."""
        counts = self.memo.get("letter_counts")
        if counts is None:
            counts = self.memo["letter_counts"] = np.bincount(self.letter, minlength=256)
        return bool(counts[ord(letter)])  # type: ignore[index]

    def at(self, letter: str) -> np.ndarray:
        """The indices of the words with this letter, in program order."""
        return np.flatnonzero(self.letter == ord(letter)) if self.has(letter) else np.zeros(0, dtype=np.int64)

    def column(self, letter: str) -> np.ndarray:
        """One value per line for `letter` (the last one when a line repeats it), else NaN.
        Cached and shared (letters no word has share one column): callers must not write into it."""
        if letter not in self._columns:
            if not self.has(letter):
                self._columns[letter] = self.nothing()
            else:
                out = np.full(self.n_lines, np.nan)
                pick = self.at(letter)
                out[self.line[pick]] = self.value[pick]
                self._columns[letter] = _read_only(out)
        return self._columns[letter]

    def nothing(self) -> np.ndarray:
        """The column of a letter no word has: NaN on every line (one, shared, read-only)."""
        if "" not in self._columns:
            self._columns[""] = _read_only(np.full(self.n_lines, np.nan))
        return self._columns[""]


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def program_text(lines: Sequence[str], words: Words | None = None) -> tuple[str, bool]:
    """The lines joined by line breaks, and whether each line break in it is one between two
    lines (False: a line holds its own). Kept with `words`: the tokenizer, the checks, the
    layer marks and the slicer's figures all read it, and joining a long program costs."""
    known = words.memo.get("text") if words is not None else None
    if known is None:
        text = "\n".join(lines)
        known = (text, text.count("\n") == max(len(lines) - 1, 0))
        if words is not None:
            words.memo["text"] = known
    return known  # type: ignore[return-value]


def _clean_bytes(lines: Sequence[str], text: str | None = None) -> tuple[bytes, list[tuple[int, int, float]], bool]:
    """The program upper-cased as one byte string, without comments; its `$N=v` settings; and
    whether more than `;` comments may have been blanked (`Words.trimmed`). `text`: the lines
    already joined, when no line holds its own line break."""
    if text is None:
        text = "\n".join(lines)
        if text.count("\n") != max(len(lines) - 1, 0):  # a line holding its own line break
            text = "\n".join(line.replace("\r", " ").replace("\n", " ") for line in lines)
    data = text.encode("ascii", "replace").upper()
    if b";" in data:
        data = _COMMENTS.sub(b"", data)
    trimmed = False
    if b"*" in data:
        data, trimmed = _CHECKSUMS.sub(b"", data), True
    if b"(" in data:
        data, trimmed = _PARENS.sub(b"", data), True
    if _FREE_TEXT_KEY.search(data):
        data, trimmed = _FREE_TEXT.sub(b"", data), True
    settings: list[tuple[int, int, float]] = []
    if b"$" in data or b"%" in data:
        trimmed = True
        pieces, pos = [], 0
        for m in _SPECIAL.finditer(data):
            line_start = data.rfind(b"\n", 0, m.start()) + 1
            if data[line_start : m.start()].strip():
                continue  # not at the start of its line: left for the checks to refuse
            line = data.count(b"\n", 0, m.start())
            setting = _SETTING.match(m.group())
            if setting:
                settings.append((line, int(setting.group(1)), float(setting.group(2))))
            pieces.append(data[pos : m.start()])
            pos = m.end()
        data = b"".join(pieces) + data[pos:]
    return data, settings, trimmed


CHUNK_LINES = 1 << 16  # bounds memory (a few bytes per character) and stays cache-friendly
THREADS = 2  # chunks read side by side: numpy's passes release the interpreter lock


def tokenize(lines: Sequence[str], text: str | None = None) -> Words:
    """All words of `lines`, read in chunks of CHUNK_LINES cut from the program joined once
    (kept with the words: `program_text`), a long program's chunks in THREADS threads. `text`:
    `"\n".join(lines)` when the caller has it (the file the lines were split from), no line
    holding a line break of its own."""
    n = len(lines)
    text, whole = (text, True) if text is not None else program_text(lines)
    if n <= CHUNK_LINES:
        words = _tokenize_chunk(lines, text if whole else None)
    else:
        pieces, pos = [], 0
        for i in range(0, n, CHUNK_LINES):
            chunk = lines[i : i + CHUNK_LINES]
            piece = None
            if whole:
                size = sum(map(len, chunk)) + len(chunk) - 1
                piece, pos = text[pos : pos + size], pos + size + 1
            pieces.append((chunk, piece))
        with ThreadPoolExecutor(THREADS, thread_name_prefix="tokenize") as pool:  # per call: safe across forks
            parts = list(pool.map(lambda piece: _tokenize_chunk(*piece), pieces))
        words = joined(parts, list(range(0, n, CHUNK_LINES)), n)
    words.memo["text"] = (text, whole)
    return words


def joined(parts: Sequence[Words], offsets: Sequence[int], n_lines: int) -> Words:
    """The words of consecutive pieces of one program, piece k starting at line offsets[k].
    Words are read line by line (no line's words depend on another's), so this is what
    `tokenize` gives on the whole program."""
    return Words(
        n_lines=n_lines,
        line=np.concatenate([w.line + o for w, o in zip(parts, offsets, strict=True)] or [np.zeros(0, np.int64)]),
        letter=np.concatenate([w.letter for w in parts] or [np.zeros(0, np.uint8)]),
        value=np.concatenate([w.value for w in parts] or [np.zeros(0)]),
        bad_lines=np.concatenate([w.bad_lines + o for w, o in zip(parts, offsets, strict=True)]
                                 or [np.zeros(0, np.int64)]),
        line_bytes=np.concatenate([w.line_bytes for w in parts] or [np.zeros(0, np.int64)]),
        settings=[(line + o, key, value) for w, o in zip(parts, offsets, strict=True) for line, key, value in w.settings],
        trimmed=any(w.trimmed for w in parts),
    )


def _tokenize_chunk(lines: Sequence[str], text: str | None = None) -> Words:
    n = len(lines)
    data, settings, trimmed = _clean_bytes(lines, text)
    kernel = compiled()
    words = _scanned(kernel, data, n, settings, trimmed) if kernel is not None else None
    return words if words is not None else _numpy_chunk(data, n, settings, trimmed)


def _scanned(kernel, data: bytes, n: int, settings: list[tuple[int, int, float]], trimmed: bool) -> Words | None:  # noqa: ANN001 - the C module
    """The chunk's words by one C pass (gcode_reader/_numbers.c `scan_words`, the rules of
    `_numpy_chunk` byte for byte); None when a readable line holds a malformed number, which
    the numpy passes read one by one (tests/motion/test_motion_words_compiled.py compares both)."""
    cap = len(data) // 2 + 1  # a word takes two bytes at least; pages never written cost nothing
    rows = data.count(b"\n") + 1
    line, letter = np.empty(cap, np.int64), np.empty(cap, np.uint8)
    value, long_at = np.empty(cap), np.empty(cap, np.int64)
    sent, bad = np.empty(rows, np.int64), np.empty(rows, np.int64)
    got = kernel.scan_words(data, line, letter, value, long_at, sent, bad)
    if got is None:
        return None
    count, n_bad, n_long = got
    value = value[:count].copy()
    which = long_at[:n_long]
    if not read_long(np.frombuffer(data, dtype=np.uint8), which, value[which].astype(np.int64), value):
        return None
    if rows < n:  # trailing empty lines
        sent = np.concatenate((sent, np.zeros(n - rows, dtype=np.int64)))
    return Words(n_lines=n, line=line[:count].copy(), letter=letter[:count].copy(), value=value,
                 bad_lines=bad[:n_bad].copy(), settings=settings, line_bytes=sent, trimmed=trimmed)


def _numpy_chunk(data: bytes, n: int, settings: list[tuple[int, int, float]], trimmed: bool) -> Words:
    """The chunk's words by numpy passes over its bytes: the reference, and the reader of
    malformed numbers."""
    a = np.frombuffer(data, dtype=np.uint8)  # read-only: copied only for the slow path below
    newline = a == _NEWLINE
    breaks = np.flatnonzero(newline)
    starts = np.concatenate(([0], breaks + 1))
    line_of = np.repeat(np.arange(n, dtype=np.int32), np.diff(np.concatenate((starts, [len(a) + 1]))))[: len(a)]

    length = np.diff(np.concatenate((starts, [len(a) + 1]))) - 1  # without the newline
    sent = np.where(length > 0, length + 1, 0).astype(np.int64)
    if len(sent) < n:  # trailing empty lines
        sent = np.concatenate((sent, np.zeros(n - len(sent), dtype=np.int64)))

    is_letter = (a >= 65) & (a <= 90)
    is_num = ((a >= 48) & (a <= 57)) | (a == 46) | (a == 45) | (a == 43)
    is_other = ~(is_letter | is_num | (a == _SPACE) | newline | (a == 9) | (a == 13))
    bad = np.zeros(n, dtype=bool)
    bad[line_of[is_other]] = True

    tok_start = is_num.copy()
    tok_start[1:] &= ~is_num[:-1]
    kind = is_letter.view(np.int8) + 2 * tok_start.view(np.int8)
    ev = np.flatnonzero(kind)
    ev_kind = kind[ev]
    ev_line = line_of[ev]
    if len(ev):
        same_next = ev_line[1:] == ev_line[:-1]
        repeat = same_next & (ev_kind[1:] == ev_kind[:-1])  # two letters or two numbers in a row
        bad[ev_line[1:][repeat]] = True
        first_of_line = np.concatenate(([True], ~same_next))
        last_of_line = np.concatenate((~same_next, [True]))
        bad[ev_line[first_of_line & (ev_kind != 1)]] = True  # a line opening with a number
        bad[ev_line[last_of_line & (ev_kind != 2)]] = True  # a letter without its number

    if bad.any():  # an unreadable line: its words are dropped
        keep = ~bad[ev_line]
        ev, ev_line = ev[keep], ev_line[keep]
    letters = a[ev[0::2]]
    words_line = ev_line[0::2].astype(np.int64)
    values = numbers_at(a, ev[1::2])
    if values is None:
        a = a.copy()
        a[~is_num] = _SPACE
        values, keep_words, more_bad = _slow_values(a, ev[1::2], words_line)
        letters, words_line = letters[keep_words], words_line[keep_words]
        bad[more_bad] = True
    return Words(
        n_lines=n, line=words_line, letter=letters, value=values, bad_lines=np.flatnonzero(bad), settings=settings,
        line_bytes=sent, trimmed=trimmed,
    )


def _slow_values(a: np.ndarray, tokens: np.ndarray, lines: np.ndarray):
    """Token by token, for the rare program with a malformed number ('1.2.3', '-')."""
    text = a.tobytes()
    values = np.empty(len(tokens))
    ok = np.ones(len(tokens), dtype=bool)
    for k, start in enumerate(tokens):
        end = text.find(b" ", start)
        try:
            values[k] = float(text[start : end if end >= 0 else len(text)])
        except ValueError:
            ok[k] = False
    bad_lines = np.unique(lines[~ok])
    good = ~np.isin(lines, bad_lines)
    return values[good], good, bad_lines
