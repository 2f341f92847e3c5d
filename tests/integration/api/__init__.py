"""The JSON API end to end: the real app, SQLite, and workflows on the time-skipping server."""
