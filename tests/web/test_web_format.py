"""How figures read on the pages: units from metric names, places, durations, money."""

from __future__ import annotations

from web.pages_format import duration, location, metrics_rows, money, number


def test_figures_in_french_and_english(app) -> None:  # noqa: ANN001
    with app.test_request_context():
        from flask import session

        assert number(12345.678) == "12\u202f345,7" and money(1.5) == "1,50\u00a0€"
        assert metrics_rows({"cut_length_mm": 380.7, "volume_mm3": 1000, "watertight": True, "odd_thing": "x"}) == [
            ("Volume de la pièce", "1\u202f000 mm³"), ("Longueur des découpes", "380,7 mm"),
            ("Surface fermée (imprimable telle quelle)", "oui"),
            ("Odd thing", "x")]
        session["lang"] = "en"
        __import__("flask_babel").refresh()  # the locale is read once per request
        assert number(12345.678) == "12,345.7" and money(1.5) == "€1.50"
        assert metrics_rows({"bbox_mm": [90, 70]}, primary=True) == [("Overall size", "90 × 70 mm")]
        assert metrics_rows({"enclosed_area_mm2": 1200.0, "pierce_count": 3}) == [
            ("Area of the parts (holes taken out)", "1,200 mm²"), ("Cut starts (pierces)", "3")]
        assert metrics_rows({"bbox_mm": [90, 70]}, primary=False) == []
    assert duration(3725) == "1 h 02 min" and duration(95) == "1 min 35 s" and duration(float("nan")) == "—"


def test_a_negative_zero_reads_zero_whatever_came_first(app) -> None:  # noqa: ANN001
    """Numbers are formatted once per process and -0.0 == 0.0 share a cache key: a corner at
    -0.0 must not read "-0" or "0" depending on which the process said first."""
    from web import metric_format
    from web.i18n_fast import format_decimal

    metric_format._formatted.cache_clear()
    with app.test_request_context():
        assert number(-0.0) == "0" and number(0.0) == "0" and number(-0.0) == "0"
        metric_format._formatted.cache_clear()
        assert format_decimal(-0.0, "#,##0.#") == "0"  # the page's own filter too, not only the figures table


def test_locations_are_short_and_skip_empty_parts(app) -> None:  # noqa: ANN001
    with app.test_request_context():
        assert location({"texts": [{"source": "", "text": "Hi", "x": 20}], "sources": None}) == "texts : (text : Hi ; x : 20)"
        assert location([1.5, 2.25]) == "(1,5, 2,25)"
        assert location({"faces": list(range(10))}) == "faces : 0, 1, 2, 3, 4, 5, … (10)"  # French typography
        assert location(None) == "" and location("path3") == "path3"
        choices = [{"unit": "mm", "factor": 1, "bbox_mm": [2, 3]}, {"unit": "in", "factor": 25.4, "bbox_mm": [50.8, 76.2]}]
        assert location({"choices": choices}) == "mm → 2 × 3 mm ; in → 50,8 × 76,2 mm"


def test_every_msgid_has_one_french_translation() -> None:
    """Every msgid of the code and templates has a French translation, none empty or fuzzy,
    and no two areas disagree (the same check as `python -m web.i18n_tool check`)."""
    from jobqueue.states import JobState
    from web.i18n import STATES
    from web.i18n_tool import problems

    assert problems() == []
    assert {state.value for state in JobState} <= set(STATES)


def test_long_file_names_keep_their_extension() -> None:
    from jobqueue.services import safe_label
    from web.pages_format import short_name

    long = "plaque-" + "x" * 250 + ".stl"
    assert len(safe_label(long)) == 200 and safe_label(long).endswith(".stl")  # still an STL, not refused
    shown = short_name(long)
    assert len(shown) <= 48 and shown.endswith("x.stl") and "…" in shown and shown.startswith("plaque-")
    assert short_name("court.svg") == "court.svg"
