"""Module switches: which optional modules the shop has turned on."""
