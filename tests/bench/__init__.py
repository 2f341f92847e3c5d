"""The benchmarks in bench/ run end to end, at a tiny size (their figures are not checked)."""
