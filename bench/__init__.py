"""Measurements and the machinery they share with the tests: ``python -m bench.benchmark`` writes BENCHMARKS.md.

Not tests (``tests/`` holds those): the benchmark and its browser, live-training and serving parts, the classroom
load test and its headless Streamlit client, the accessibility audit, the floor apps the cold start is compared
with, and the harness that starts a real server and browser for tests and benchmarks alike.
"""
