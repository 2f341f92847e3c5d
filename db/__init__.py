"""The database layer: SQLAlchemy 2 models, Alembic migrations and the service functions over them.

- `db.engine`: `make_engine(url)`, `make_session_factory(engine)` (SQLite via aiosqlite, PostgreSQL via
  psycopg 3); `db.migrate`: `upgrade(url)` / `upgrade_sync(url)`.
- Service modules, each a set of keyword-only functions taking `session`: `cases` (the read-model
  projection), `deadlines` (overdue lists), `kpis`, `users`, `agencies`, `children`, `advice`,
  `documents`, `decisions`, `audit`, `outbox`.
- `db.pagination`: the keyset cursors every list hands out (`encode_cursor`, `decode_cursor`,
  `decode_key`) and `after_key`, the rows after one.
- Service functions flush but never commit: the caller owns the transaction, so a decision, its audit
  line and its outbox message are written together (`async with session.begin(): ...`).

May import only sqlalchemy, alembic, the standard library and `statute` (docs/architecture.md, Layout).
"""
