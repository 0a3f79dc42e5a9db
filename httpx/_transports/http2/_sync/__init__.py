"""The sync HTTP/2 connection (threads), generated from ../_async by scripts/unasync.py."""
