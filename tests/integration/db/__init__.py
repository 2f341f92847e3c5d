"""The database layer on SQLite and PostgreSQL."""
