"""Piccolo tables of stored files: one row per distinct content (media, library, voice notes)."""

from piccolo.columns import BigInt, Varchar
from piccolo.table import Table


class StoredFile(Table, tablename="stored_file"):
    """A file kept under ``data/files`` by its SHA-256; never a path anyone typed."""

    sha256 = Varchar(length=64, unique=True)
    size = BigInt()
    mime = Varchar(length=120)
    created_at = BigInt()
