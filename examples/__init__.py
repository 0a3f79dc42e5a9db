"""Small example applications for trying httpx offline (see README.md)."""
