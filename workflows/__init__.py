"""The workflows: a folder each, and what they all share in `common/`. Deterministic throughout."""
