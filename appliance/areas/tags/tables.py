"""Piccolo tables of the tags area: the shop's tags and the tags on each chat."""

from piccolo.columns import BigInt, ForeignKey, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from appliance.areas.chats.tables import Chat


class Tag(Table, tablename="tag"):
    name = Varchar(length=60, unique=True)
    color = Varchar(length=9, default="#5b8def")
    created_at = BigInt()


class ChatTag(Table, tablename="chat_tag"):
    chat = ForeignKey(Chat, on_delete=OnDelete.cascade)
    tag = ForeignKey(Tag, on_delete=OnDelete.cascade)
