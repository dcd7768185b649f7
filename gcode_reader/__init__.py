"""One reader of G-code words and modal state, for every part that reads programs back.

Program checks, previews, the resume preamble (in `drivers`) and the time model's fast
tokenizer (in `slicing.motion`) all read G-code; they read it by these rules. This package
imports nothing of the project, so `slicing` and `drivers`, which must not import each
other, may both import it. The firmware simulators keep their own strict parser on purpose,
as a real firmware does.

- `words.read_line(line)`: the `letter number` words of one line, or `BadLine` saying why;
  `words.read_lines(lines)` reads a whole program once.
- `modal.ModalState` / `apply_words` / `modal_state_at`: the state a firmware holds after
  each line (units, distance mode, work offset, motion, feed, spindle or laser, coolant,
  extruder mode and position, temperatures, fan, position), line by line: the resume preamble.
- `tokens.tokenize(lines)`: the same grammar for a whole program at once (numpy), and
  `program.read_program(lines, flavour)` / `interpret(words, flavour)`: the modal state and
  position after every line, vectorised. The time model, the checks and the previews read
  whole programs through these.
"""

from gcode_reader.modal import ModalState, apply_line, apply_words, modal_state_at
from gcode_reader.program import ProgramState, interpret, read_program
from gcode_reader.tokens import Words, tokenize
from gcode_reader.words import FREE_TEXT_M, BadLine, clear_cache, read_line, read_lines, strip

__all__ = ["FREE_TEXT_M", "BadLine", "clear_cache", "ModalState", "ProgramState", "Words", "apply_line", "apply_words",
           "interpret", "modal_state_at", "read_line", "read_lines", "read_program", "strip", "tokenize"]
