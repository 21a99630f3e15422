"""Stored files over HTTP: what the browser is told about them, and byte ranges for players.

Customers choose what they send, so the browser is told as little as it needs: pictures,
audio and video are shown inline; everything else (HTML, SVG, scripts, PDFs, …) is a
download, and ``nosniff`` stops the browser from guessing another type.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Response
from litestar.response import Stream

from appliance.areas.files.store import DEFAULT_MIME, clean_mime, open_file
from appliance.core.redaction import mask_numbers, redact_vcard

CHUNK_BYTES = 64 * 1024
# A contact card is a few hundred bytes; WhatsApp shares at most 257 contacts at once.
MAX_VCARD_BYTES = 1024 * 1024
INLINE_IMAGES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/avif"}
)
# Types a browser could run as a page or a script, whatever the file says it is.
_ACTIVE = ("html", "xml", "svg", "javascript", "ecmascript", "xhtml")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def shown_inline(mime: str) -> bool:
    base = clean_mime(mime).split(";")[0].strip()
    if any(word in base for word in _ACTIVE):
        return False
    return base in INLINE_IMAGES or base.startswith(("audio/", "video/"))


def served_type(mime: str) -> str:
    """The Content-Type sent: the phone's type, unless a browser could run it."""
    value = clean_mime(mime)
    if any(word in value.split(";")[0] for word in _ACTIVE) or value.startswith("text/"):
        return DEFAULT_MIME
    return value


def content_disposition(mime: str, filename: str) -> str:
    kind = "inline" if shown_inline(mime) else "attachment"
    name = _safe_filename(filename)
    if not name:
        return kind
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or "arquivo"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _safe_filename(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"\r\n')
    return name.strip(" .")[:150]


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range (first, last inclusive) asked by ``Range``; None for the whole file.

    Raises ValueError when the range cannot be satisfied. Several ranges in one header are
    answered with the whole file, which HTTP allows.
    """
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise ValueError("empty suffix range")
        return max(0, size - suffix), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise ValueError("range outside the file")
    return start, end


def _read(files_dir: Path, sha: str, start: int, length: int) -> Iterator[bytes]:
    with open_file(files_dir, sha) as handle:
        handle.seek(start)
        left = length
        while left > 0:
            chunk = handle.read(min(CHUNK_BYTES, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def file_response(
    files_dir: Path,
    sha: str,
    size: int,
    mime: str,
    filename: str = "",
    range_header: str | None = None,
) -> Response[Any]:
    """The file as a response: 200 whole, 206 for one range, 416 for a range beyond it.

    Raises NotFound (before anything is sent) when the file is not on disk.
    """
    open_file(files_dir, sha).close()
    headers = {
        "Accept-Ranges": "bytes",
        # The counter terminal is shared by the staff: a customer's photo or document is
        # not left in its browser cache for the next person.
        "Cache-Control": "private, no-store",
        "ETag": f'"{sha}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Disposition": content_disposition(mime, filename),
    }
    try:
        wanted = parse_range(range_header, size)
    except ValueError:
        return Response(
            b"",
            status_code=416,
            headers={**headers, "Content-Range": f"bytes */{size}"},
            media_type=served_type(mime),
        )
    start, end = wanted if wanted is not None else (0, size - 1)
    length = max(0, end - start + 1)
    headers["Content-Length"] = str(length)
    if wanted is not None:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Stream(
        _read(files_dir, sha, start, length),
        status_code=206 if wanted is not None else 200,
        headers=headers,
        media_type=served_type(mime),
    )


def names_only_vcard_response(files_dir: Path, sha: str, filename: str) -> Response[Any]:
    """A contact card for a user who may not see numbers: each card rebuilt with its names
    only, always whole (a byte range of the original would not fit it) and never cached.

    Raises NotFound when the file is not on disk.
    """
    with open_file(files_dir, sha) as handle:
        data = redact_vcard(handle.read(MAX_VCARD_BYTES))
    return Response(
        data,
        status_code=200,
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": content_disposition("text/vcard", mask_numbers(filename)),
        },
        media_type=served_type("text/vcard"),
    )
