"""Tags: the labels staff put on chats."""
