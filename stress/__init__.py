"""Full-size reliability storms (run them with scripts/stress; see __main__.py)."""
