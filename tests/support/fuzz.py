"""Hypothesis examples for async tests.

Async handlers can't run inside @given, so the examples are drawn first (derandomized, so a
failure reproduces) and then sent one by one.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st


def draw(strategy: st.SearchStrategy, n: int = 60) -> list:
    """``n`` examples of ``strategy``, the same ones on every run."""
    samples: list = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None)
    @given(strategy)
    def collect(value: object) -> None:
        samples.append(value)

    collect()
    return samples
