"""Chats: the list and its planner, the visibility rule, adding, renaming and closing chats."""
