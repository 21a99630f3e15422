"""The shared core: settings, clock, text, phone numbers, errors, input limits and the
database. It imports no area and nothing of the HTTP edge."""
