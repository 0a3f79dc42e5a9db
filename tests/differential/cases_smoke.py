"""A few cases that pin the harness itself (outcome kinds: value, exception, warning)."""

CASES: list[tuple[str, str]] = [
    ("smoke-value", "result = httpx.URL('https://example.org/a?b=c').path"),
    ("smoke-exception", "httpx.URL('https://exa mple.org')"),
    ("smoke-status", "result = httpx.codes.NOT_FOUND"),
]
