"""The message catalogs are complete: every text in the code is in both, translated, with the
same placeholders; and no text a person reads is left outside ``_()``/``t()``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from appliance.core.i18n import LOCALES
from scripts.catalogs import ROOT, MessageId, read_catalog, source_messages

TEMPLATES = ROOT / "web" / "templates"
SCRIPTS = ROOT / "web" / "static" / "js"
PLACEHOLDER = re.compile(r"\{(\w*)\}")
# Names, not words: the same in every language.
PROPER_NAMES = {"Balcão"}


def _key(msgid: MessageId) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


@pytest.fixture(scope="module")
def found() -> dict[MessageId, list[tuple[str, int]]]:
    return source_messages()


@pytest.fixture(scope="module", params=list(LOCALES))
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return read_catalog(request.param)


def test_the_code_has_texts_to_translate(found: dict[MessageId, list[tuple[str, int]]]) -> None:
    # A broken extractor would find nothing and pass every check below.
    sources = {filename.split("/", 1)[0] for places in found.values() for filename, _ in places}
    assert sources == {"appliance", "web"}
    assert len(found) > 400


def test_every_text_is_in_the_catalog_and_translated(
    found: dict[MessageId, list[tuple[str, int]]], catalog: Catalog
) -> None:
    entries = {_key(m.id): m for m in catalog if m.id}
    missing = [
        f"{places[0][0]}:{places[0][1]}: {_key(msgid)!r}"
        for msgid, places in found.items()
        if _key(msgid) not in entries
    ]
    assert not missing, f"{catalog.locale}: not in the catalog (run scripts/catalogs): {missing}"
    wanted = {_key(msgid) for msgid in found}
    obsolete = sorted(key for key in entries if key not in wanted)
    assert not obsolete, f"{catalog.locale}: no longer in the code: {obsolete}"
    untranslated = [
        key
        for key, message in entries.items()
        if message.fuzzy
        or not message.string
        or (not isinstance(message.string, str) and not all(message.string))
    ]
    assert not untranslated, f"{catalog.locale}: without a translation: {untranslated}"


def test_translations_keep_the_placeholders(catalog: Catalog) -> None:
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != wanted:
                wrong.append(f"{ids[0]!r} -> {text!r}")
    assert not wrong, f"{catalog.locale}: placeholders differ: {wrong}"


def _letters(text: str) -> bool:
    words = re.sub(r"\s+", " ", text).strip()
    return bool(re.search(r"[^\W\d_]{2}", words)) and words not in PROPER_NAMES


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->|<[^>]*>", re.S)
_SHOWN_ATTRIBUTE = re.compile(r'\b(title|placeholder|aria-label|alt|value)="([^"]*)"')


def test_templates_show_no_text_outside_the_catalog() -> None:
    """Text between tags, and the attributes a person reads, are ``{{ _("…") }}``."""
    loose = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for match in _SHOWN_ATTRIBUTE.finditer(source):
            if match.group(1) != "value" and _letters(_JINJA.sub("", match.group(2))):
                line = source.count("\n", 0, match.start()) + 1
                loose.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)}")
        # Blank out markup and template code, keeping the line breaks for the line numbers.
        text = _TAG.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
        text = _JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
        for number, line in enumerate(text.splitlines(), 1):
            if _letters(line):
                loose.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()!r}")
    assert not loose, "text outside _(): " + "; ".join(loose)


_LITERAL = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`""")
# Literals with letters that are code, not text: HTTP methods, key names, locales, units.
_CODE_WORDS = {
    "GET", "POST", "PUT", "PATCH", "DELETE", "Enter", "Escape", "ArrowUp", "ArrowDown",
    "NFKD", "en-CA", "Notification", "SELECT", "KB", "MB", "GB", "pt-BR",
}  # fmt: skip


def _reads_as_text(body: str) -> bool:
    """A heuristic for a literal that a person reads: a capitalised word, an accented
    letter, or three words in a row; not a selector, a class list, a path or a MIME type."""
    plain = re.sub(r"\$\{[^}]*\}", "", body)
    if plain in _CODE_WORDS or not re.search(r"[A-Za-zÀ-ú]{2}", plain):
        return False
    # camelCase names, SVG path data, a time zone.
    if re.fullmatch(r"[a-z]+[A-Z][A-Za-z]*|[Mm][\d.].*|[A-Z][a-z]+/[A-Za-z_]+", plain):
        return False
    if plain.startswith(("/", "#", ".", "http", "application/", "image/", "video/", "audio/")):
        return bool(re.search(r"[À-ú]", plain))
    if re.fullmatch(r"[a-z0-9_\-:.#\[\]=/ *>,()\"$@{}]*", plain):
        return bool(re.search(r"[a-z]{3,} [a-z]{3,} [a-z]{2,}", plain))
    return bool(re.search(r"[A-ZÀ-Ú]|[à-ú]", plain))


# Examples typed into a field and a shell command: the same in both languages.
_EXAMPLES = {
    '"nome@exemplo.com.br"',
    '"(11) 98765-4321"',
    "`sudo systemctl enable --now ${setup.service}`",
}


def test_scripts_show_no_text_outside_the_catalog() -> None:
    """Every string literal that reads as text is the first argument of ``t()``/``nt()``."""
    loose = []
    for path in sorted(SCRIPTS.rglob("*.js")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.strip()
            if code.startswith(("//", "*", "/*", "import ")):
                continue
            for match in _LITERAL.finditer(line):
                literal = match.group(0)
                before = line[: match.start()]
                if literal in _EXAMPLES or re.search(
                    r"\bn?t\(\s*$|\bclass(Name)?:? =?\s*$", before
                ):
                    continue
                if re.search(r"\bn?t\([^()]*$", before) and literal[0] != "`":
                    continue  # the plural form of nt("…", "…", n)
                if _reads_as_text(literal[1:-1]):
                    loose.append(f"{path.relative_to(ROOT)}:{number}: {literal}")
    assert not loose, "text outside t(): " + "; ".join(loose)


# The errors a caller reads (appliance/core/errors.py): their message is ``_("…")``.
_ERRORS = {"AppError", "InvalidInput", "NotAuthenticated", "Forbidden", "NotFound"}
_ERRORS |= {"Conflict", "TooManyRequests"}


def _is_text(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(
        node, ast.JoinedStr
    )


def test_api_errors_come_from_the_catalog() -> None:
    loose = []
    for path in sorted((ROOT / "appliance").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else None
            name = node.func.attr if isinstance(node.func, ast.Attribute) else name
            if name in _ERRORS and node.args and _is_text(node.args[0]):
                loose.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not loose, "error messages outside _(): " + ", ".join(loose)


def test_a_catalog_entry_reaches_the_reader() -> None:
    from appliance.core.i18n import _, ngettext, use_language

    with use_language("en"):
        assert _("Não encontrado.") == "Not found."
        assert ngettext("{count} chat", "{count} chats", 2).format(count=2) == "2 chats"
    assert _("Não encontrado.") == "Não encontrado."


def test_the_browser_catalog_is_the_same_source(tmp_path: Path) -> None:
    from appliance.core.i18n import browser_catalog

    english = browser_catalog("en")
    assert english["Nova conversa"] == "New chat"
    assert english["{count} chat sai do funil."] == [
        "{count} chat leaves the funnel.",
        "{count} chats leave the funnel.",
    ]
    # The source language needs nothing: a msgid is its own pt-BR text.
    assert browser_catalog("pt-BR") == {}
