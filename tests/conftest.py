"""Suite-wide settings. Hypothesis never times examples: tests do not assert on wall-clock time."""

from hypothesis import settings

settings.register_profile("ehcp", deadline=None, max_examples=200, derandomize=False)
settings.load_profile("ehcp")
