"""Integration tests: real databases, real servers."""
