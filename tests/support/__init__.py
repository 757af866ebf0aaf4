"""Helpers shared by several test modules (test modules don't import each other)."""
