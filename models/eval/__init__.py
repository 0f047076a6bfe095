"""Metrics in NumPy and the card evaluation of each family: one definition for cards, tests, benchmarks and app."""
