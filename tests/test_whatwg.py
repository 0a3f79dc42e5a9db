"""Every input of the WHATWG URL test suite (web-platform-tests urltestdata.json).

Our URLs follow httpx 0.28 rather than the WHATWG URL Standard (tests/differential
compares them with the real httpx on these very inputs: cases_whatwg.py). What we check
here is robustness: each input, joined onto its base when it has one, gives a URL whose
every view can be read, or raises `httpx.InvalidURL` - never another exception.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest

import httpx

DATA_FILE = Path(__file__).resolve().parent / "data" / "whatwg-urltestdata.json"

Case = dict[str, typing.Any]


def load_cases() -> list[Case]:
    return [item for item in json.loads(DATA_FILE.read_text("utf-8")) if isinstance(item, dict)]


CASES = load_cases()
VIEWS = (
    "scheme",
    "raw_scheme",
    "userinfo",
    "username",
    "password",
    "host",
    "raw_host",
    "port",
    "netloc",
    "path",
    "query",
    "params",
    "raw_path",
    "fragment",
    "is_absolute_url",
    "is_relative_url",
)


def parse(case: Case) -> httpx.URL:
    if case["base"] is None:
        return httpx.URL(case["input"])
    return httpx.URL(case["base"]).join(case["input"])


@pytest.mark.skipif(not CASES, reason="the WHATWG URL test data is not available")
def test_every_input_parses_or_raises_invalid_url() -> None:
    parsed = 0
    for case in CASES:
        try:
            url = parse(case)
        except httpx.InvalidURL:
            continue
        for view in VIEWS:
            getattr(url, view)
        repr(url)
        hash(url)
        parsed += 1
    assert parsed > 600, parsed
