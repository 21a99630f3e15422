"""Phone drivers: each implements bridge.protocol.PhoneDriver for one kind of phone."""
