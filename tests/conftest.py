"""Suite-wide settings. Hypothesis never times examples: tests do not assert on wall-clock time.

`HYPOTHESIS_PROFILE=thorough make test` runs the properties on fifteen times as many examples.
"""

import os

from hypothesis import settings

settings.register_profile("ehcp", deadline=None, max_examples=200)
settings.register_profile("thorough", deadline=None, max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ehcp"))
