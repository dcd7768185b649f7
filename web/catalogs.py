"""The translation catalogs on disk: per-area `.po` files, compiled to `.mo` when first needed.

Only `.po` files are committed (binaries conflict on every merge). The first app start, CLI
run or test that needs a catalog compiles every area's `.po` into a cache folder named after a
digest of their contents (under the system temp folder, or `FABLAB_I18N_CACHE`), so a fresh
clone, `make demo`, `make test` and a wheel install (read-only site-packages) all work without a
build step, and a changed `.po` is picked up on the next start.

No Flask here: the CLI renders issues through the same catalogs (`translations("fr")`).
See `web/i18n.py` for the convention (areas, msgids in English, how to add a string).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

ROOT = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
# One plural rule per language for every area: catalogs are merged, and the last one's rule
# applies to all (Babel would otherwise take CLDR's three French forms for a .po without it).
PLURAL_FORMS = {"fr": (2, "(n > 1)"), "en": (2, "(n != 1)")}


def po_files(root: Path = ROOT) -> list[Path]:
    """Every `<area>/<locale>/LC_MESSAGES/messages.po`, sorted (the merge order is stable)."""
    return sorted(root.glob(f"*/*/LC_MESSAGES/{DOMAIN}.po"))


def _digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for path in files:
        h.update(str(path.relative_to(path.parents[3])).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _cache_root() -> Path:
    return Path(os.environ.get("FABLAB_I18N_CACHE") or tempfile.gettempdir())


def compile_catalogs(root: Path = ROOT) -> list[str]:
    """Compile every area's `.po` (if not done yet for these contents); the area folders of
    the compiled tree, as Flask-Babel's BABEL_TRANSLATION_DIRECTORIES wants them."""
    files = po_files(root)
    out = _cache_root() / f"fablab-i18n-{_digest(files)}"
    areas: list[str] = []
    for po in files:
        area, locale = po.parents[2].name, po.parents[1].name
        mo = out / area / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if not mo.exists():
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as f:
                catalog = read_po(f, locale=locale)
            if locale in PLURAL_FORMS:
                catalog._num_plurals, catalog._plural_expr = PLURAL_FORMS[locale]  # noqa: SLF001
            tmp = mo.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as f:
                write_mo(f, catalog, use_fuzzy=False)
            os.replace(tmp, mo)  # atomic: parallel workers may compile at once
        if str(out / area) not in areas:
            areas.append(str(out / area))
    return areas


@lru_cache(maxsize=8)
def translations(locale: str) -> Translations | NullTranslations:
    """Every area's catalog for `locale` merged (English msgids come back as they are)."""
    merged = Translations()
    for directory in compile_catalogs():
        catalog = Translations.load(directory, [locale], DOMAIN)
        merged.merge(catalog)
        if hasattr(catalog, "plural"):  # merge() does not copy the plural rule
            merged.plural = catalog.plural
    return merged
