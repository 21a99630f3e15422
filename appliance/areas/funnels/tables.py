"""Piccolo tables of the funnel module: funnels, their ordered stages, each chat's stage."""

from piccolo.columns import BigInt, ForeignKey, Integer, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from appliance.areas.chats.tables import Chat


class Funnel(Table, tablename="funnel"):
    name = Varchar(length=80, unique=True)
    position = Integer(default=0)
    created_at = BigInt()


class FunnelStage(Table, tablename="funnel_stage"):
    funnel = ForeignKey(Funnel, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=80)
    position = Integer(default=0)
    color = Varchar(length=9, default="#8696a0")


class ChatFunnelStage(Table, tablename="chat_funnel_stage"):
    """The stage a chat is at in one funnel (one row per chat and funnel)."""

    chat = ForeignKey(Chat, on_delete=OnDelete.cascade)
    funnel = ForeignKey(Funnel, on_delete=OnDelete.cascade)
    stage = ForeignKey(FunnelStage, on_delete=OnDelete.cascade)
    entered_at = BigInt()
