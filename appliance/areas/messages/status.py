"""Message statuses and the one rule for receipts: a status only moves forward."""

from __future__ import annotations

# queued → sent ✓ → delivered ✓✓ → read (blue ✓✓). "failed" only replaces "queued".
_RANK = {"failed": 0, "queued": 0, "sent": 1, "delivered": 2, "read": 3}
RECEIPT_STATUSES = ("sent", "delivered", "read")


def moves_forward(current: str, new: str) -> bool:
    """True when ``new`` is later than ``current`` (a receipt never goes backwards)."""
    if current == "failed" or current not in _RANK or new not in _RANK:
        return False
    return _RANK[new] > _RANK[current]
