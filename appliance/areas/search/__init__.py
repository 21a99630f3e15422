"""Search: messages by words and phrases across the chats a user may see (L11)."""
