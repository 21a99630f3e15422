"""Assignments: who answers a chat (users and departments), transfers and the queue."""
