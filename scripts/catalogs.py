"""The message catalogs: extract every ``_()``/``t()`` text from the Python, the templates and
the scripts, and bring appliance/locale/*/LC_MESSAGES/balcao.po up to date.

    scripts/catalogs            # update both catalogs; lists the English entries left to write

pt-BR is the source language: its catalog repeats each msgid, so a reviewer can change the
Portuguese wording there without touching the code. The English catalog keeps what is
translated, gets an empty entry for each new text and loses the texts the code dropped;
tests/test_catalogs.py fails until every entry is written.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from appliance.core.i18n import DOMAIN, LOCALES, po_path

ROOT = Path(__file__).resolve().parents[1]

# ``t``/``nt`` are the browser's (web/static/js/i18n.js); the others Python's and Jinja's.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "t": None,
    "nt": (1, 2),
}
SOURCES = (
    ("appliance", [("core/db/migrations/**.py", "ignore"), ("**.py", "python")]),
    ("web/templates", [("**.html", "jinja2")]),
    ("web/static/js", [("**.js", "javascript")]),
)

MessageId = str | tuple[str, ...]
HEADER = (
    "# Balcão's texts. Written by scripts/catalogs from the code; a translator\n"
    "# fills in the msgstr entries. The msgid is the pt-BR text as the code has it."
)


def extracted() -> Iterator[tuple[MessageId, str, int]]:
    """Each text found in the sources: its msgid (a tuple for a plural) and where."""
    for folder, method_map in SOURCES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, keywords=KEYWORDS
        ):
            msgid = message if isinstance(message, str) else tuple(message[:2])
            yield msgid, f"{folder}/{filename}", lineno


def source_messages() -> dict[MessageId, list[tuple[str, int]]]:
    found: dict[MessageId, list[tuple[str, int]]] = {}
    for msgid, filename, lineno in extracted():
        if msgid and (isinstance(msgid, str) or all(msgid)):
            found.setdefault(msgid, []).append((filename, lineno))
    return found


def read_catalog(language: str) -> Catalog:
    path = po_path(language)
    if not path.is_file():
        return Catalog(locale=LOCALES[language], domain=DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=LOCALES[language])


def _key(msgid: MessageId) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def update(language: str, found: dict[MessageId, list[tuple[str, int]]]) -> list[MessageId]:
    """Rewrite one catalog from the sources; the msgids still without a translation."""
    old = read_catalog(language)
    catalog = Catalog(
        locale=LOCALES[language],
        domain=DOMAIN,
        project="Balcão",
        version="1",
        charset="utf-8",
        fuzzy=False,
        header_comment=HEADER,
        msgid_bugs_address="",
        last_translator="",
        language_team="",
        # Kept from the file: a date that changed on every run would conflict in every merge.
        creation_date=old.creation_date,
        revision_date=old.revision_date,
    )
    missing: list[MessageId] = []
    for msgid in sorted(found, key=_key):
        previous = old.get(msgid) if isinstance(msgid, str) else old.get(msgid[0])
        if language == "pt-BR":
            string: str | tuple[str, ...] = msgid
        elif previous is not None and not previous.fuzzy and previous.string:
            string = previous.string if isinstance(msgid, str) else tuple(previous.string)
        else:
            string = "" if isinstance(msgid, str) else ("", "")
            missing.append(msgid)
        catalog[msgid] = Message(msgid, string, locations=[])
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, no_location=True, sort_output=True)
    return missing


def main() -> int:
    found = source_messages()
    for language in LOCALES:
        missing = update(language, found)
        path = po_path(language).relative_to(ROOT)
        print(f"{path}: {len(found)} textos, {len(missing)} sem tradução")
        for msgid in missing:
            print(f"  {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
