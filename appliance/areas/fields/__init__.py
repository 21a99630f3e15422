"""Custom fields: the fields a shop defines for its chats and their values."""
