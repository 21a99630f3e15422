"""Piccolo tables of the attendance module (C1, H1): statuses and every status change."""

from piccolo.columns import BigInt, ForeignKey, Integer, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from appliance.areas.accounts.tables import AppUser
from appliance.areas.chats.tables import Chat


class AttendanceStatus(Table, tablename="attendance_status"):
    """A status of the account (Aberto, Em atendimento, …). ``chat.status_id`` points here."""

    name = Varchar(length=60, unique=True)
    color = Varchar(length=9, default="#8696a0")
    position = Integer(default=0)
    # What entering the status does to the chat: "archive" / "unarchive" / "keep".
    archive_rule = Varchar(length=9, default="keep")
    created_at = BigInt()


class StatusChange(Table, tablename="status_change"):
    """A chat entered a status. Time in a status runs until the chat's next change."""

    chat = ForeignKey(Chat, on_delete=OnDelete.cascade)
    status = ForeignKey(AttendanceStatus, on_delete=OnDelete.set_null, null=True, default=None)
    # The name at the time, so the history reads right after a status is renamed or deleted.
    status_name = Varchar(length=60)
    by_user = ForeignKey(AppUser, on_delete=OnDelete.set_null, null=True, default=None)
    # "manual" / "chatbot" / "system"
    source = Varchar(length=8, default="manual")
    at = BigInt()
