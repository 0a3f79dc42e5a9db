"""Tests of the command line client: httpx/_cli/ and httpx/_main.py."""
