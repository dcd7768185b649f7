"""Issue codes and refusals are said through one registry each, in French and English.

A code raised in slicing/ without a registry entry, or an entry whose French lacks one of its
parameters, fails here (the page would otherwise show the bare code or a half sentence).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from jobqueue.cli.words import issue_hint, issue_text
from web.issue_messages import ISSUES

REPO = Path(__file__).resolve().parents[2]
PARAM = re.compile(r"%\((\w+)\)s")


def _make_issue_calls() -> list[tuple[str, int, ast.Call]]:
    calls = []
    for path in (REPO / "slicing").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "make_issue":
                calls.append((str(path.relative_to(REPO)), node.lineno, node))
    return calls


def test_every_code_raised_in_slicing_has_its_sentence() -> None:
    calls = _make_issue_calls()
    assert len(calls) > 40
    missing, texts = [], []
    for where, line, call in calls:
        if call.args and isinstance(call.args[0], ast.Constant) and call.args[0].value not in ISSUES:
            missing.append(f"{where}:{line} {call.args[0].value}")
        if len(call.args) > 3 or any(isinstance(a, ast.JoinedStr) or isinstance(a, ast.Constant) and
                                     isinstance(a.value, str) for a in call.args[2:]):
            texts.append(f"{where}:{line}")
    assert not missing, f"add these codes to web/issue_messages.py: {missing}"
    assert not texts, f"make_issue takes code, severity, location and parameters, not sentences: {texts}"


# Where slicing/ and jobqueue/ raise a code without make_issue: reader refusals, program checks,
# prepare's and PrusaSlicer's failures. Their first argument is the code.
_CODE_RAISERS = {"UnreadableFile", "_err", "_failed", "_hostile", "_slicer_failed"}


def test_every_code_a_reader_or_a_check_raises_has_its_sentence_and_no_sentence_is_written() -> None:
    missing, texts = [], []
    for path in [*(REPO / "slicing").rglob("*.py"), REPO / "jobqueue" / "tasks.py"]:
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None)
            if name not in _CODE_RAISERS or not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            code = node.args[0].value
            if name == "_hostile":
                code = f"svg_refused/{code}"
            elif name == "_slicer_failed":
                continue  # its first argument is PrusaSlicer's own words (the detail)
            if code.partition("/")[0] not in ISSUES:  # a variant without its own entry says the general case
                missing.append(f"{path.relative_to(REPO)}:{node.lineno} {code}")
            if any(isinstance(k.value, ast.JoinedStr) for k in node.keywords if k.arg not in ("detail",)):
                texts.append(f"{path.relative_to(REPO)}:{node.lineno}")
        for word in ("message_fr", "message_en", "text_issue(", '"fr": f"', "'fr': f'"):
            if word in source:
                texts.append(f"{path.relative_to(REPO)}: {word}")
    assert not missing, f"add these codes to web/issue_messages_files.py: {missing}"
    assert not texts, f"codes and parameters, no sentences: {texts}"
    for variant in ("truncated", "invalid_token", "mismatched_tag", "junk_after", "undefined_entity", "nowhere"):
        assert f"svg_malformed/{variant}" in ISSUES


def test_an_xml_parser_refusal_is_a_code_with_line_and_column_and_its_words_a_detail(tmp_path) -> None:
    from slicing.readers import UnreadableFile, read_drawing

    path = tmp_path / "bad.svg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg">\n  <g><rect width="5"></g>\n</svg>\n')
    try:
        read_drawing(path)
    except UnreadableFile as exc:
        issue = exc.as_issue()
    assert issue["code"] == "svg_malformed" and issue["params"] == {"variant": "mismatched_tag", "line": 2, "column": 24}
    assert "mismatched tag" in issue["detail"]  # expat's own words, for the technical details only
    fr, en = issue_text(issue, "fr"), issue_text(issue, "en")
    assert "ligne 2, colonne 24" in fr and "mismatched" not in fr and "line 2, column 24" in en


def test_every_sentence_renders_in_both_languages_with_its_parameters() -> None:
    for code, entry in ISSUES.items():
        msgids = [*(entry.message if isinstance(entry.message, tuple) else (entry.message,)), entry.hint]
        msgids += [m for _, yes, no in entry.then for m in (yes, no)]
        names = {n for m in msgids for n in PARAM.findall(m)} | {p for p, _, _ in entry.then}
        params = dict.fromkeys(names, 7)
        issue = {"code": code, "severity": "warning", "params": params, "location": {}}
        for lang in ("fr", "en"):
            text = issue_text(issue, lang)
            assert text and text != code and "%(" not in text, (code, lang, text)
        assert issue_text(issue, "fr") != issue_text(issue, "en") or code.startswith("x"), code
        if entry.hint:
            assert issue_hint(issue, "fr") != issue_hint(issue, "en"), code


def test_numbers_take_the_reader_s_decimal_mark() -> None:
    issue = {"code": "smaller_than_kerf", "severity": "warning", "params": {"kerf": 0.15}, "location": {}}
    assert "0,15" in issue_text(issue, "fr") and "0.15" in issue_text(issue, "en")


def test_an_analysis_stored_with_its_own_sentences_still_renders() -> None:
    old = {"code": "open_contour", "severity": "warning", "location": None,
           "message": {"fr": "Un contour n'est pas fermé.", "en": "A contour is not closed."},
           "hint": {"fr": "Joignez les extrémités.", "en": "Join the ends."}}
    assert issue_text(old, "fr") == "Un contour n'est pas fermé." and issue_hint(old, "en") == "Join the ends."
    # a code with parameters the sentence does not know falls back to the code, never an error
    odd = {"code": "mesh_open_edges", "severity": "error", "params": {"other": 1}, "location": {}}
    assert issue_text(odd, "fr") == "mesh_open_edges"


def test_repeats_are_counted_in_the_reader_s_language() -> None:
    from slicing.toolpaths.issues import cap_repeats, make_issue

    issues = cap_repeats([make_issue("smaller_than_kerf", "warning", None, kerf=0.2)] * 10, per_code=8)
    assert issue_text(issues[-1], "fr") == "… et 2 autre(s) du même type."
    assert issue_text(issues[-1], "en") == "… and 2 more like the above."


def test_refusals_from_jobqueue_are_said_in_french(app) -> None:  # noqa: ANN001
    from flask import session

    from jobqueue.errors import RequestError
    from jobqueue.states import IllegalTransition
    from web.refusals import refusal

    with app.test_request_context():
        err = RequestError("'x.exe': only STL, DXF and SVG files are accepted", code="wrong_file_type", name="x.exe")
        assert refusal(err) == "« x.exe » : seuls les fichiers STL, DXF et SVG sont acceptés."
        assert "impossible de passer de « en cours » à « prêt »" in refusal(IllegalTransition(3, "running", "ready"))
        session["lang"] = "en"
        __import__("flask_babel").refresh()
        assert refusal(err) == "“x.exe”: only STL, DXF and SVG files are accepted."


def test_where_is_said_in_mm_from_the_part_s_corner_and_raw_details_stay_technical() -> None:
    from jobqueue.cli.words import words
    from web.issue_place import place

    fr, en = words("fr"), words("en")
    # an open edge of a part whose bounding box starts at (100, 50, 10) in the file
    loc = {"open_edges": 3, "points": [[112.5, 90.0, 13.0], [101.0, 51.0, 10.0]], "faces": [12, 13]}
    assert place(loc, [100.0, 50.0, 10.0], fr) == "à 12,5 mm en X, 40 mm en Y et 3 mm au-dessus du bas de la pièce, " \
                                                  "et 1 autre endroit"
    assert place(loc, [100.0, 50.0, 10.0], en).startswith("12.5 mm along X, 40 mm along Y and 3 mm above")
    drawing = {"source": "path3", "layer": "Découpe", "x": 22.0, "y": 15.5}
    assert place(drawing, [10.0, 10.0], en) == "12 mm from the left and 5.5 mm from the bottom of the design, " \
                                                "on layer “Découpe”"
    assert place({"line": 12}, None, fr) == "ligne 12 du programme"
    units = {"choices": [{"unit": "mm", "bbox_mm": [2.0, 3.0]}, {"unit": "in", "bbox_mm": [50.8, 76.2]}]}
    assert place(units, None, en) == "in millimetres: 2 × 3 mm; in inches: 50.8 × 76.2 mm"
    # face numbers, element ids, counts alone name no place a member can find: technical details only
    assert place({"faces": [1, 2], "bodies": 2}, [0, 0, 0], fr) == "" and place(None, None, fr) == ""
    # no corner known (an older analysis): the file's own coordinates, said so
    assert place({"x": 1.0, "y": 2.0}, None, en) == "x 1 mm, y 2 mm in the file's coordinates"
