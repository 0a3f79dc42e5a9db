"""The inputs of the WHATWG URL test suite (urltestdata.json), parsed and joined onto
their bases, compared with httpx: a corpus of the inputs URL parsers disagree on."""

from __future__ import annotations

import json
import pathlib

from . import cases_urls

HERE = pathlib.Path(__file__).resolve().parent
DATA_FILE = HERE.parent / "data" / "whatwg-urltestdata.json"  # (see tests/data/README.md)

PRELUDE = """
def describe(url):
    out = {"str": attempt(str, url)}
    for name in ("scheme", "userinfo", "host", "raw_host", "port", "path", "query",
                 "raw_path", "fragment", "is_relative_url"):
        out[name] = attempt(lambda: repr(getattr(url, name)))
    return out
"""


def _cases() -> list[tuple[str, str]]:
    data = json.loads(DATA_FILE.read_text("utf-8"))  # (in the repository: never skipped)
    cases = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            continue
        text, base = item["input"], item["base"]
        if base is None:
            code = f"result = describe(httpx.URL({text!r}))"
        else:
            code = f"result = describe(httpx.URL({base!r}).join({text!r}))"
        cases.append((f"whatwg-{index}", code))
    return cases


CASES = _cases()

# The deliberate differences are those of every URL (see cases_urls).
classify = cases_urls.classify
