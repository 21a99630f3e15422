"""The documents the code cites are in the repository.

A comment (or docstring) may cite a feature id, which docs/features.md must define, or a
page of docs/ with an optional heading anchor, which must exist. It may not send the reader
to notes that live outside the repository. Markdown links between docs/ and the README
must resolve too.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FEATURES = DOCS / "features.md"

# Where comments are read: the code, the front end, the scripts and the tests, plus the
# configuration files that carry comments.
SCANNED_DIRS = ("appliance", "bridge", "wire", "web", "scripts", "tests", "systemd", ".ci")
SCANNED_FILES = ("pyproject.toml", "Vagrantfile")
# Third-party code kept as shipped, and what runs leave behind.
SKIPPED_DIRS = {"vendor", "__pycache__", "node_modules", "test-output"}

# A feature id: a capital letter and a number without a leading zero (L3, C17). "C0"
# (control characters) and the reference benchmark's query names ("L01") are not ids.
FEATURE_ID = re.compile(r"\b[A-Z][1-9][0-9]?\b")
DOCS_LINK = re.compile(r"\bdocs/([A-Za-z0-9_.-]+\.md)(?:#([A-Za-z0-9_-]+))?")
OUTSIDE_NOTE = re.compile(
    r"NOTES-[A-Za-z]|/work/shared|\.\./shared/|\b(?:SPEC|DESIGN|STYLE)\.md\b|\bSPEC §"
)
# Inline code in a comment (``x`` or `x`) is code, not a citation.
INLINE_CODE = re.compile(r"``[^`]*``|`[^`]*`")


@dataclass(frozen=True)
class Comment:
    path: Path
    line: int
    text: str


# --- reading comments -------------------------------------------------------------------


def python_comments(path: Path, source: str) -> list[Comment]:
    """``#`` comments, and the docstrings of the module, its classes and functions."""
    found = [
        Comment(path, tok.start[0], tok.string[1:])
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = node.body[0] if node.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            for offset, line in enumerate(first.value.value.splitlines()):
                found.append(Comment(path, first.lineno + offset, line))
    return found


# After one of these (or at the start), a "/" in JavaScript opens a regular expression.
_REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^")


def script_comments(path: Path, source: str, line_comments: bool = True) -> list[Comment]:
    """``//`` and ``/* */`` comments of JavaScript (CSS: ``/* */`` only), skipping strings,
    template literals (with their ``${…}`` parts) and regular expressions."""
    found: list[Comment] = []
    i, n, line = 0, len(source), 1
    last = ""  # the last significant character of code
    templates: list[int] = []  # open template literals: brace depth of their ${ … }
    while i < n:
        ch = source[i]
        nxt = source[i + 1] if i + 1 < n else ""
        if ch == "\n":
            line += 1
            i += 1
            continue
        if ch == "/" and nxt == "*":
            end = source.find("*/", i + 2)
            end = n if end < 0 else end
            for offset, text in enumerate(source[i + 2 : end].split("\n")):
                found.append(Comment(path, line + offset, text))
            line += source.count("\n", i, end)
            i = end + 2
            continue
        if line_comments and ch == "/" and nxt == "/":
            end = source.find("\n", i)
            end = n if end < 0 else end
            found.append(Comment(path, line, source[i + 2 : end]))
            i = end
            continue
        if ch in "'\"" or (ch == "/" and line_comments and (last in _REGEX_BEFORE or not last)):
            # A string or a regular expression: skip to its unescaped end on this line.
            j, in_class = i + 1, False
            while j < n and source[j] != "\n":
                c = source[j]
                if c == "\\":
                    j += 2
                    continue
                if ch == "/" and c == "[":
                    in_class = True
                elif ch == "/" and c == "]":
                    in_class = False
                elif c == ch and not in_class:
                    break
                j += 1
            i, last = j + 1, "a"
            continue
        if ch == "`" or (ch == "}" and templates and templates[-1] == 0):
            if ch == "}":
                templates.pop()
            # Inside a template literal: skip to its end or to the next ${.
            j = i + 1
            while j < n:
                c = source[j]
                if c == "\\":
                    j += 2
                    continue
                if c == "`":
                    break
                if c == "$" and source[j + 1 : j + 2] == "{":
                    templates.append(0)
                    j += 1
                    break
                j += 1
            line += source.count("\n", i, j)
            i, last = j + 1, "a" if source[j : j + 1] == "`" else "{"
            continue
        if templates and ch == "{":
            templates[-1] += 1
        elif templates and ch == "}":
            templates[-1] -= 1
        if not ch.isspace():
            last = ch
        i += 1
    return found


_HTML_COMMENT = re.compile(r"<!--(.*?)-->|\{#(.*?)#\}", re.S)


def html_comments(path: Path, source: str) -> list[Comment]:
    """``<!-- -->`` and Jinja's ``{# #}`` comments."""
    found = []
    for match in _HTML_COMMENT.finditer(source):
        text = match.group(1) if match.group(1) is not None else match.group(2)
        line = source.count("\n", 0, match.start()) + 1
        found.extend(Comment(path, line + k, t) for k, t in enumerate(text.split("\n")))
    return found


_HASH_COMMENT = re.compile(r"(?:^|\s)#(?![!{])(.*)$")


def hash_comments(path: Path, source: str) -> list[Comment]:
    """``#`` comments of shell scripts, TOML, systemd units and Ruby."""
    found = []
    for number, text in enumerate(source.splitlines(), start=1):
        match = _HASH_COMMENT.search(text)
        if match:
            found.append(Comment(path, number, match.group(1)))
    return found


def comments_of(path: Path) -> list[Comment]:
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []  # pictures, sounds and other binary files
    suffix = path.suffix
    if suffix == ".py":
        return python_comments(path, source)
    if suffix in {".js", ".mjs"}:
        return script_comments(path, source)
    if suffix == ".css":
        return script_comments(path, source, line_comments=False)
    if suffix in {".html", ".jinja"}:
        return html_comments(path, source)
    if suffix in {".toml", ".service", ".sh", ".cfg", ".ini", ".rb"} or path.name == "Vagrantfile":
        return hash_comments(path, source)
    if not suffix and source.startswith("#!"):
        return hash_comments(path, source)
    return []


def scanned_files(root: Path) -> list[Path]:
    files = [root / name for name in SCANNED_FILES if (root / name).is_file()]
    for folder in SCANNED_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
                files.append(path)
    return files


# --- what docs/ defines -----------------------------------------------------------------


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces → hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors_of(page: Path) -> set[str]:
    found: set[str] = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (match := re.match(r"#{1,6}\s+(.*)", line)):
            base = slug(match.group(1))
            anchor, k = base, 0
            while anchor in found:
                k += 1
                anchor = f"{base}-{k}"
            found.add(anchor)
    return found


_FEATURE_ROW = re.compile(r"^\|\s*([A-Z][1-9][0-9]?)\s*\|(.*)\|(.*)\|\s*$")


def feature_rows(page: Path) -> list[tuple[str, str, str]]:
    """(id, what it means, today) for each row of the feature tables."""
    rows = []
    for line in page.read_text(encoding="utf-8").splitlines():
        if match := _FEATURE_ROW.match(line):
            rows.append((match.group(1), match.group(2).strip(), match.group(3).strip()))
    return rows


# --- the check --------------------------------------------------------------------------


def problems_in(
    comments: list[Comment], feature_ids: set[str], docs: Path, root: Path
) -> list[str]:
    """Every citation in ``comments`` that does not resolve, as "path:line: why"."""
    anchors: dict[str, set[str] | None] = {}
    found = []
    for comment in comments:
        where = f"{comment.path.relative_to(root)}:{comment.line}"
        text = INLINE_CODE.sub("", comment.text)
        if OUTSIDE_NOTE.search(text):
            found.append(f"{where}: cites a note outside the repository: {comment.text.strip()}")
        for feature in FEATURE_ID.findall(text):
            if feature not in feature_ids:
                found.append(f"{where}: feature id {feature} is not in docs/features.md")
        for page, anchor in DOCS_LINK.findall(text):
            if page not in anchors:
                path = docs / page
                anchors[page] = anchors_of(path) if path.is_file() else None
            if anchors[page] is None:
                found.append(f"{where}: docs/{page} does not exist")
            elif anchor and anchor not in anchors[page]:
                found.append(f"{where}: docs/{page} has no heading #{anchor}")
    return found


def test_every_citation_in_a_comment_resolves_inside_the_repository() -> None:
    feature_ids = {row[0] for row in feature_rows(FEATURES)}
    comments = [c for path in scanned_files(ROOT) for c in comments_of(path)]
    assert len(comments) > 1000, "the comment reader found almost nothing: is it broken?"
    assert problems_in(comments, feature_ids, DOCS, ROOT) == []


def test_the_checks_catch_each_kind_of_bad_citation(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "features.md").write_text("| L3 | tags | built |\n", encoding="utf-8")
    (docs / "decisions.md").write_text("# Decisions\n\n## gzip at level 1\n", encoding="utf-8")
    code = tmp_path / "code"
    code.mkdir()
    (code / "a.py").write_text(
        '"""Filters (L3, Q9); see docs/decisions.md#gzip-at-level-1."""\n'
        "TEXT = 'Q8 and NOTES-x in a string are not comments'\n"
        "# See NOTES-sqlite-perf.md §4.2 and docs/decisions.md#gzip-level-5\n"
        "def f() -> None:\n"
        '    """Per ``chat : (N1 OR N2)`` and docs/nowhere.md."""\n',
        encoding="utf-8",
    )
    (code / "b.js").write_text(
        'const path = "M17 2 // not a comment"; const re = /\\/\\/ Q7/;\n'
        "const t = `${a + `x`} // Q6 inside a template`;\n"
        "// The tags (L3) and the panel (L13); see /work/shared/SPEC.md\n"
        "/* Several lines:\n   H9 here */\n",
        encoding="utf-8",
    )
    (code / "c.html").write_text(
        '<p title="<!-- Q5 -->">x</p>\n{# W9 #}\n<!-- DESIGN.md -->\n', encoding="utf-8"
    )
    (code / "d").write_text("#!/bin/sh\necho '#Q4'  # cites T9\n", encoding="utf-8")
    comments = [c for p in sorted(code.iterdir()) for c in comments_of(p)]
    found = problems_in(comments, {"L3"}, docs, tmp_path)
    assert found == [
        "code/a.py:3: cites a note outside the repository: See NOTES-sqlite-perf.md §4.2 "
        "and docs/decisions.md#gzip-level-5",
        "code/a.py:3: docs/decisions.md has no heading #gzip-level-5",
        "code/a.py:1: feature id Q9 is not in docs/features.md",
        "code/a.py:5: docs/nowhere.md does not exist",
        "code/b.js:3: cites a note outside the repository: "
        "The tags (L3) and the panel (L13); see /work/shared/SPEC.md",
        "code/b.js:3: feature id L13 is not in docs/features.md",
        "code/b.js:5: feature id H9 is not in docs/features.md",
        # The HTML reader takes <!-- in an attribute for a comment: a false alarm is safe.
        "code/c.html:1: feature id Q5 is not in docs/features.md",
        "code/c.html:2: feature id W9 is not in docs/features.md",
        "code/c.html:3: cites a note outside the repository: DESIGN.md",
        "code/d:2: feature id T9 is not in docs/features.md",
    ]


def test_every_feature_has_one_row_and_says_whether_it_is_built() -> None:
    rows = feature_rows(FEATURES)
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)), "a feature id appears twice"
    groups = {feature[0] for feature in ids}
    assert groups == set("LCMIHTNPBKXW")
    for feature, meaning, today in rows:
        assert meaning, feature
        assert re.match(r"(built|partly built|planned)\b", today), f"{feature}: {today}"
        # A feature that is not built says which issue will bring it.
        if not today.startswith("built"):
            assert re.search(r"issues? \d+", today), f"{feature}: {today}"


_MD_LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize(
    "page",
    [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted(DOCS.glob("*.md"))],
    ids=lambda p: p.name,
)
def test_links_between_the_readme_and_docs_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    broken = [
        problem.partition(": ")[2]
        for problem in problems_in([Comment(page, 1, text)], set(), DOCS, ROOT)
        if "feature id" not in problem
    ]
    for target in _MD_LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # http:, https:, mailto:
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors_of(path):
            broken.append(f"{target}: no such heading")
    assert broken == []
