"""What a user types in the search box, as a safe FTS5 query over message bodies.

Words are ANDed and "quoted text" is a phrase. Every word becomes an FTS5 string
literal, so FTS5 syntax in user input (``NEAR(``, ``^``, ``-``, ``:``, ``AND``, ``*``…)
is only text: the tokenizer keeps letters and digits and folds case and accents
(``unicode61 remove_diacritics 2``), which is what makes "promocao" find "promoção".

A last word ending in ``*`` (``entreg*``) asks for a prefix. It is searched as one
only where the FTS table keeps a prefix index of that length; without one FTS5 merges
the doclists of every word with that prefix, 10–45 ms at 2.5M messages (a stem in 10%
of them: over the 20 ms the search must answer in), so the word is searched whole.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from appliance.core.errors import InvalidInput
from appliance.core.i18n import _
from appliance.core.text import fts_phrase

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
PREFIX_MIN = 3


@dataclass(frozen=True)
class Term:
    text: str  # the user's word or phrase, as typed
    phrase: bool = False
    prefix: bool = False  # asked for; a single word of letters and digits

    def fts(self, prefix_lengths: frozenset[int]) -> str:
        as_prefix = self.prefix and len(self.text) in prefix_lengths
        return fts_phrase(self.text) + ("*" if as_prefix else "")


@dataclass(frozen=True)
class MessageQuery:
    terms: tuple[Term, ...]

    def body_match(self, prefix_lengths: frozenset[int] = frozenset()) -> str:
        """The FTS5 expression, always restricted to the body column; a prefix only for
        lengths in ``prefix_lengths`` (those the FTS table has an index for)."""
        return "body : (" + " AND ".join(t.fts(prefix_lengths) for t in self.terms) + ")"


def _is_token_char(ch: str) -> bool:
    # unicode61's default token characters: letters, numbers and private-use.
    return unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Co"


def _token_chars(text: str) -> int:
    return sum(1 for ch in text if _is_token_char(ch))


def _split(text: str) -> list[tuple[str, bool]]:
    """(chunk, quoted) pairs: quoted text as one chunk, the rest split on whitespace.

    A quote left open runs to the end of the text.
    """
    chunks: list[tuple[str, bool]] = []
    for i, part in enumerate(text.split('"')):
        if i % 2:
            chunks.append((part, True))
        else:
            chunks.extend((word, False) for word in part.split())
    return chunks


def parse_message_query(text: str | None) -> MessageQuery:
    """Raises InvalidInput when nothing searchable is left."""
    # Control characters separate words; a NUL would also end the FTS5 query string.
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in text or "")
    text = text.strip()
    if not text:
        raise InvalidInput(_("Digite o que procurar."), code="search.empty_query")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(
            _("A busca pode ter no máximo {max_query_chars} caracteres.").format(
                max_query_chars=MAX_QUERY_CHARS
            ),
            code="search.query_too_long",
        )
    chunks = _split(text)
    terms: list[Term] = []
    for i, (chunk, quoted) in enumerate(chunks):
        last = i == len(chunks) - 1
        if quoted:
            if _token_chars(chunk):
                terms.append(Term(" ".join(chunk.split()), phrase=True))
            continue
        stem = chunk.rstrip("*")
        prefix = last and stem != chunk and _token_chars(stem) >= PREFIX_MIN
        # A prefix only where the stem is one token: "e-ma*" would be a phrase prefix.
        if prefix and not all(_is_token_char(ch) for ch in stem):
            prefix = False
        if _token_chars(stem):
            terms.append(Term(stem, prefix=prefix))
    if not terms:
        raise InvalidInput(
            _("A busca precisa de pelo menos uma letra ou um número."), code="search.no_words"
        )
    if len(terms) > MAX_TERMS:
        raise InvalidInput(
            _("Use no máximo {max_terms} palavras na busca.").format(max_terms=MAX_TERMS),
            code="search.too_many_words",
        )
    return MessageQuery(tuple(dict.fromkeys(terms)))
