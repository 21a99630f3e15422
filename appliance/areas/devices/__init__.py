"""Devices: the shop's phones, their state and the jobs run on them."""
