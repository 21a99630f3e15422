"""Attendance: the statuses a shop defines, the status of each chat and its history."""
