"""Accounts: users, departments, permissions, sessions, logins and API tokens."""
