"""Keep the catalogs in step with the code: `python -m web.i18n_tool missing|check`.

`missing` extracts every msgid of web/, jobqueue/cli and the issue registry (Babel's
extractors: `_`, `gettext`, `ngettext`, `lazy_gettext`, `_l`, `N_` in Python; `_`/`ngettext`
in the Jinja templates) and prints those no French catalog translates, as `.po` entries;
`--write AREA` appends them to `web/translations/AREA/fr/LC_MESSAGES/messages.po` (empty
msgstr, to fill in). `check` fails on empty or fuzzy translations and on a msgid translated
differently by two areas. See web/i18n.py for the convention.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from web.catalogs import ROOT, po_files

REPO = ROOT.parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None, "say": (2,),
            "Nn_": (1, 2),
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
# Where page and CLI strings live (slicing/, drivers/ and jobqueue/ outside the CLI say no sentence).
SOURCES = ("web", "jobqueue/cli")
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
JINJA_OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}


@dataclass
class Used:
    msgid: str
    plural: str | None = None
    places: list[str] = field(default_factory=list)


def used_msgids() -> dict[str, Used]:
    """Every msgid the code and templates ask for, with where."""
    found: dict[str, Used] = {}
    for source in SOURCES:
        base = REPO / source
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
                base, METHODS, options_map=JINJA_OPTIONS, keywords=KEYWORDS):
            msgid, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
            if not msgid:
                continue
            entry = found.setdefault(msgid, Used(msgid, plural))
            entry.places.append(f"{source}/{filename}:{lineno}")
    return found


def french() -> dict[str, dict[str, str | tuple[str, ...]]]:
    """msgid -> {area: msgstr} over every French catalog."""
    out: dict[str, dict[str, str | tuple[str, ...]]] = {}
    for po in po_files():
        if po.parents[1].name != "fr":
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale="fr")
        for message in catalog:
            if not message.id:
                continue
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            text = tuple(message.string) if isinstance(message.string, list | tuple) else message.string
            if message.fuzzy:
                text = ""
            out.setdefault(msgid, {})[po.parents[2].name] = text
    return out


def problems() -> list[str]:
    """Empty, fuzzy or conflicting French translations, and msgids used but untranslated."""
    fr = french()
    out = [f"{po.relative_to(REPO)}: no 'Plural-Forms: nplurals=2; plural=(n > 1);' header"
           for po in po_files() if po.parents[1].name == "fr" and "plural=(n > 1);" not in po.read_text()]
    for msgid, areas in fr.items():
        texts = set(areas.values())
        if any(not t or (isinstance(t, tuple) and not all(t)) for t in texts):
            out.append(f"empty or fuzzy French for {msgid!r} in {sorted(areas)}")
        if len(texts) > 1:
            out.append(f"{msgid!r} translated differently in {sorted(areas)}")
    for msgid, used in used_msgids().items():
        if msgid not in fr:
            out.append(f"no French for {msgid!r} ({', '.join(used.places[:3])})")
    return out


def _po_entry(used: Used) -> str:
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = [f"#: {' '.join(used.places[:4])}"]
    if "%(" in used.msgid or "%%" in used.msgid:
        lines.append("#, python-format")
    lines.append(f"msgid {q(used.msgid)}")
    if used.plural:
        lines += [f"msgid_plural {q(used.plural)}", 'msgstr[0] ""', 'msgstr[1] ""']
    else:
        lines.append('msgstr ""')
    return "\n".join(lines) + "\n"


HEADER = '''msgid ""
msgstr ""
"Project-Id-Version: fablab\\n"
"Language: fr\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
'''


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web.i18n_tool", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    miss = sub.add_parser("missing", help="msgids no French catalog translates")
    miss.add_argument("--write", metavar="AREA", help="append them to this area's French catalog")
    sub.add_parser("check", help="fail on empty, fuzzy, conflicting or missing translations")
    args = parser.parse_args(argv)
    if args.cmd == "check":
        found = problems()
        print("\n".join(found) or "catalogs complete")
        return 1 if found else 0
    fr = french()
    missing = [u for m, u in sorted(used_msgids().items()) if m not in fr]
    text = "\n".join(_po_entry(u) for u in missing)
    if args.write:
        po = ROOT / args.write / "fr" / "LC_MESSAGES" / "messages.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        existing = po.read_text() if po.exists() else HEADER
        po.write_text(existing.rstrip("\n") + "\n\n" + text if text else existing)
        print(f"{len(missing)} entries appended to {po.relative_to(REPO)}")
    else:
        sys.stdout.write(text or "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
