"""Differential tests: the same operation on the real httpx and on ours, compared."""
