"""Messages: ingest from the bridge, the outbox, status receipts and redaction."""
