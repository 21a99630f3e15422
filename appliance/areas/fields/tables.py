"""Piccolo tables of custom fields (I8): account-wide typed fields and each chat's values."""

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from appliance.areas.chats.tables import Chat


class CustomField(Table, tablename="custom_field"):
    name = Varchar(length=80, unique=True)
    # text / number / date / email / phone / cpf / cnpj / options
    kind = Varchar(length=10)
    # The choices of an "options" field, in order.
    options = JSON(default="[]")
    position = Integer(default=0)
    created_at = BigInt()


class ChatFieldValue(Table, tablename="chat_field_value"):
    """A chat's value for one field, stored in its normal form (E.164, ISO date, digits)."""

    chat = ForeignKey(Chat, on_delete=OnDelete.cascade)
    field = ForeignKey(CustomField, on_delete=OnDelete.cascade)
    value = Text()
    updated_at = BigInt()
