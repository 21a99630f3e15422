"""Files kept on disk by their SHA-256 (``files/ab/cd/<sha256>``), one ``stored_file`` row each.

A file is written to a temporary name, flushed to the disk and renamed into place, so a
name under ``files/`` always holds the whole content it is named after. The only name
ever opened is one built from a validated hash: never a path anyone typed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from appliance.core.clock import now_ms
from appliance.core.db import Conn
from appliance.core.errors import AppError, InvalidInput, NotFound
from appliance.core.i18n import _

# WhatsApp's own limit for a document; photos, audio and video are smaller.
MAX_FILE_BYTES = 100 * 1024 * 1024
DEFAULT_MIME = "application/octet-stream"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_TOKEN = r"[a-z0-9!#$&^_.+-]+"
_MIME = re.compile(rf"{_TOKEN}/{_TOKEN}(\s*;\s*{_TOKEN}=(\"[^\"\\\r\n]*\"|{_TOKEN}))*")


class FileTooLargeError(AppError):
    status = 413
    code = "file.too_large"

    def __init__(self) -> None:
        super().__init__(
            f"O arquivo passa de {MAX_FILE_BYTES // (1024 * 1024)} MB, o limite do WhatsApp."
        )


class FileMismatchError(InvalidInput):
    code = "file.hash_mismatch"

    def __init__(self, expected: str, got: str) -> None:
        super().__init__(
            _("O conteúdo recebido não confere com o arquivo {expected} ({got}).").format(
                expected=expected, got=got
            )
        )


def check_sha(sha: str) -> str:
    """``sha`` if it is 64 lowercase hex digits; InvalidInput otherwise."""
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise InvalidInput(_("Identificador de arquivo inválido."), code="file.bad_sha")
    return sha


def is_sha(sha: object) -> bool:
    return isinstance(sha, str) and _SHA256.fullmatch(sha) is not None


def clean_mime(mime: str | None) -> str:
    """A well-formed media type (lowercase), or ``application/octet-stream``."""
    value = (mime or "").strip().lower()
    if len(value) > 120 or not _MIME.fullmatch(value):
        return DEFAULT_MIME
    return value


def file_path(files_dir: Path, sha: str) -> Path:
    """Where the file of ``sha`` lives; InvalidInput for anything but a SHA-256."""
    check_sha(sha)
    return files_dir / sha[:2] / sha[2:4] / sha


class FileWriter:
    """Receives a file in pieces, hashing as it goes; ``commit`` puts it in place.

    Raises FileTooLargeError as soon as the content passes ``MAX_FILE_BYTES``.
    """

    def __init__(self, files_dir: Path, limit: int = MAX_FILE_BYTES) -> None:
        self.files_dir = files_dir
        self.limit = limit
        self.size = 0
        self._hash = hashlib.sha256()
        tmp_dir = files_dir / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        self._tmp = Path(name)
        self._out: BinaryIO | None = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        assert self._out is not None, "writer already closed"
        self.size += len(chunk)
        if self.size > self.limit:
            self.abort()
            raise FileTooLargeError()
        self._hash.update(chunk)
        self._out.write(chunk)

    def commit(self, expected: str | None = None) -> str:
        """Flush, check the hash (FileMismatchError) and rename into place; returns the hash."""
        assert self._out is not None, "writer already closed"
        sha = self._hash.hexdigest()
        if expected is not None and sha != expected:
            self.abort()
            raise FileMismatchError(expected, sha)
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        self._out = None
        target = file_path(self.files_dir, sha)
        if target.exists():
            self._tmp.unlink(missing_ok=True)
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, target)
        _fsync_dir(target.parent)
        return sha

    def abort(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        self._tmp.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes(files_dir: Path, data: bytes, expected: str | None = None) -> str:
    """Put ``data`` on disk (no database row); returns its hash."""
    writer = FileWriter(files_dir)
    try:
        writer.write(data)
    except BaseException:
        writer.abort()
        raise
    return writer.commit(expected)


def record_file(conn: Conn, sha: str, size: int, mime: str) -> bool:
    """The ``stored_file`` row of a file already on disk; True when it is new."""
    cur = conn.execute(
        "INSERT INTO stored_file(sha256, size, mime, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(sha256) DO NOTHING",
        (check_sha(sha), size, clean_mime(mime), now_ms()),
    )
    return cur.rowcount > 0


def store_bytes(conn: Conn, files_dir: Path, data: bytes, mime: str) -> str:
    """Store ``data`` (idempotent: the same bytes are one file, one row); returns its hash.

    Raises FileTooLargeError past ``MAX_FILE_BYTES``.
    """
    sha = write_bytes(files_dir, data)
    record_file(conn, sha, len(data), mime)
    return sha


def get_stored(conn: Conn, sha: str) -> dict[str, Any] | None:
    """The ``stored_file`` row of ``sha``, or None (also for a malformed hash)."""
    if not is_sha(sha):
        return None
    row = conn.execute(
        "SELECT sha256, size, mime, created_at FROM stored_file WHERE sha256 = ?", (sha,)
    ).fetchone()
    return dict(row) if row else None


def has_file(conn: Conn, sha: str) -> bool:
    return get_stored(conn, sha) is not None


def open_file(files_dir: Path, sha: str) -> BinaryIO:
    """The stored content of ``sha``, open for reading; NotFound when it is not on disk."""
    try:
        return file_path(files_dir, sha).open("rb")
    except (FileNotFoundError, InvalidInput) as exc:
        raise NotFound(_("Arquivo não encontrado."), code="file.not_found") from exc
