"""Every case of the WHATWG URL test suite (web-platform-tests urltestdata.json).

Each case is parsed with httpx.URL (joined onto its base when it has one) and compared
with what a WHATWG parser prints. We follow RFC 3986 with WHATWG-style details, so some
cases differ on purpose: they are listed below, by rule or by name, each with its reason.
A listed case that starts to match fails too, so the list stays honest.
"""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest

import httpx

DATA_FILE = Path(__file__).resolve().parent / "data" / "whatwg-urltestdata.json"

Case = dict[str, typing.Any]


def load_cases() -> list[Case]:
    return [item for item in json.loads(DATA_FILE.read_text("utf-8")) if isinstance(item, dict)]


CASES = load_cases()

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SCHEME_PREFIX = re.compile(r"[ \x00-\x1f]*[A-Za-z][A-Za-z0-9+.\-]*:")
_SPECIAL_WITHOUT_SLASHES = re.compile(r" *(https?|wss?|ftp):(?![/\\]{2})", re.IGNORECASE)


def _succeeds(case: Case) -> bool:
    return not case.get("failure")


# Rules: (reason, predicate). Every case a rule matches must differ from WHATWG.
RULES: list[tuple[str, typing.Callable[[Case], bool]]] = [
    (
        "ASCII control characters (tab, newline, NUL, DEL, ...) are rejected with InvalidURL, "
        "as in httpx, where WHATWG strips or percent-encodes them",
        lambda case: _succeeds(case) and bool(_CONTROL.search(case["input"])),
    ),
    (
        "a '%' that does not start a %XX escape is encoded as '%25', as in httpx, so that "
        "URLs are always valid RFC 3986; WHATWG leaves it as it is",
        lambda case: _succeeds(case) and bool(_LONE_PERCENT.search(case["input"])),
    ),
    (
        "'http:/x' and 'http:x' have no host (RFC 3986, as in httpx, whose redirect handling "
        "fills in the request's host); WHATWG reads 'x' as the host unless the base has the "
        "same scheme, a case we do follow",
        lambda case: bool(
            (match := _SPECIAL_WITHOUT_SLASHES.match(case["input"]))
            and not (case["base"] or "").lower().startswith(match.group(1).lower() + ":")
        ),
    ),
    (
        "relative references are valid URLs in httpx (Request('GET', '/path') with a base "
        "URL); WHATWG rejects them when there is no base",
        lambda case: (
            not _succeeds(case)
            and case["base"] is None
            and not _SCHEME_PREFIX.match(case["input"])
        ),
    ),
]

NON_SPECIAL_HOSTS = (
    "non-special schemes: hosts are handled as for http (percent-decoded, lowercased, "
    "IDNA-encoded) because httpx may connect to them (socks5:// proxies); WHATWG keeps "
    "them opaque"
)
OPAQUE_PATHS = (
    "non-special opaque paths ('scheme:x x') are percent-encoded like any path; WHATWG "
    "only encodes controls there"
)
FILE_DRIVES = (
    "file: Windows drive letters ('C|' read as 'C:', kept on '..') are not special-cased; "
    "httpx cannot fetch file: URLs"
)
IDNA2008 = (
    "hosts are IDNA2008-encoded with the idna package, which rejects symbols such as "
    "U+2603 that UTS #46 alone allows"
)

# Cases no rule above covers, listed by (input, base) under their reason.
EXEMPT: dict[str, list[tuple[str, str | None]]] = {
    OPAQUE_PATHS: [
        ("lolscheme:x x#x x", None),
    ],
    FILE_DRIVES: [
        ("file:c:\\foo\\bar.html", "file:///tmp/mock/path"),
        ("  File:c|////foo\\bar.html", "file:///tmp/mock/path"),
        ("C|/foo/bar", "file:///tmp/mock/path"),
        ("/C|\\foo\\bar", "file:///tmp/mock/path"),
        ("//C|/foo/bar", "file:///tmp/mock/path"),
        ("..", "file:///C:/"),
        ("/", "file:///C:/a/b"),
        ("/", "file://h/C:/a/b"),
        ("//d:", "file:///C:/a/b"),
        ("//d:/..", "file:///C:/a/b"),
        ("C|", "file://host/dir/file"),
        ("C|", "file://host/D:/dir1/dir2/file"),
        ("C|#", "file://host/dir/file"),
        ("C|?", "file://host/dir/file"),
        ("C|/", "file://host/dir/file"),
        ("C|\\", "file://host/dir/file"),
        ("/c|/foo/bar", "file:///c:/baz/qux"),
        ("C|/", "file://host/"),
        ("//C:/", "file://host/"),
        ("file://C:/", "file://host/"),
        ("file:/C|/", None),
        ("file://C|/", None),
    ],
    NON_SPECIAL_HOSTS: [
        ("sc://fa\xdf.ExAmPlE/", None),
        ("sc://\xf1.test/", None),
        ("x", "sc://\xf1"),
        ("asdf://%43%7C/", None),
        ("sc://\xf1", None),
        ("sc://\xf1?x", None),
        ("sc://\xf1#x", None),
        ("#x", "sc://\xf1"),
        ("?x", "sc://\xf1"),
        ("non-special://%E2%80%A0/", None),
        ("non-special://H%4fSt/path", None),
    ],
    IDNA2008: [
        ("ftp://%e2%98%83", None),
        ("https://%e2%98%83", None),
    ],
}


def exemption_for(case: Case) -> str | None:
    for reason, predicate in RULES:
        if predicate(case):
            return reason
    key = (case["input"], case["base"])
    for reason, cases in EXEMPT.items():
        if key in cases:
            return reason
    return None


SPECIAL_SCHEMES = {"http", "https", "ws", "wss", "ftp"}


def whatwg_view(url: httpx.URL) -> dict[str, str]:
    """Our URL's parts, printed the way the WHATWG URL API prints them."""
    parsed = url._uri_reference
    hostname = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    href = str(url)
    pathname = parsed.path
    if not pathname and parsed.host and url.scheme in SPECIAL_SCHEMES:
        # httpx keeps an empty path empty in str() ("https://a.org"), reading it as "/"
        # (url.path, url.raw_path); WHATWG serialises that "/" into the href.
        pathname = "/"
        href = str(url.copy_with(path="/"))
    return {
        "href": href,
        "hostname": hostname,
        "port": "" if parsed.port is None else str(parsed.port),
        "pathname": pathname,
        "search": f"?{parsed.query}" if parsed.query else "",
        "hash": f"#{parsed.fragment}" if parsed.fragment else "",
    }


def outcome(case: Case) -> dict[str, str] | str:
    try:
        if case["base"] is None:
            url = httpx.URL(case["input"])
        else:
            url = httpx.URL(case["base"]).join(case["input"])
    except httpx.InvalidURL as exc:
        return f"InvalidURL: {exc}"
    return whatwg_view(url)


def matches_whatwg(case: Case) -> tuple[bool, dict[str, str] | str, dict[str, str] | str]:
    got = outcome(case)
    if not _succeeds(case):
        return isinstance(got, str), got, "InvalidURL"
    expected = {
        key: case[key] for key in ("href", "hostname", "port", "pathname", "search", "hash")
    }
    return got == expected, got, expected


def _case_id(index: int, case: Case) -> str:
    base = "" if case["base"] is None else f" on {case['base']!a}"
    return f"{index}:{case['input']!a}{base}"[:80]


@pytest.mark.parametrize("case", CASES, ids=[_case_id(i, c) for i, c in enumerate(CASES)])
def test_whatwg_case(case: Case) -> None:
    matched, got, expected = matches_whatwg(case)
    reason = exemption_for(case)
    if reason is None:
        assert matched, f"got {got!r}, WHATWG expects {expected!r}"
    else:
        assert not matched, f"exempted case now matches WHATWG, drop its exemption: {reason}"


def test_whatwg_data_is_present() -> None:
    assert len(CASES) > 800, f"expected the WHATWG test data at {DATA_FILE}"


def test_exempt_list_names_real_cases() -> None:
    known = {(case["input"], case["base"]) for case in CASES}
    stale = [key for cases in EXEMPT.values() for key in cases if key not in known]
    assert not stale


def test_listed_cases_are_not_also_covered_by_a_rule() -> None:
    listed = {key for cases in EXEMPT.values() for key in cases}
    covered = [
        (case["input"], case["base"])
        for case in CASES
        if (case["input"], case["base"]) in listed
        and any(predicate(case) for _, predicate in RULES)
    ]
    assert not covered


def test_every_rule_is_still_needed() -> None:
    for reason, predicate in RULES:
        assert any(predicate(case) for case in CASES), reason


def test_most_cases_match_whatwg() -> None:
    # The yardstick: how many cases we get exactly right without any exemption.
    passed = sum(1 for case in CASES if matches_whatwg(case)[0])
    special = [
        case
        for case in CASES
        if re.match(r"(https?|wss?|ftp):", case["input"].strip(), re.IGNORECASE)
    ]
    special_passed = sum(1 for case in special if matches_whatwg(case)[0])
    assert passed >= 700, passed
    assert special_passed / len(special) >= 0.8, (special_passed, len(special))
