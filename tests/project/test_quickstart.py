"""Every example of httpx's QuickStart (the user documentation this project honours),
run against the local server instead of httpbin.org / example.org / github.com."""

from __future__ import annotations

import json
import pathlib
import typing

import pytest

import httpx
from tests.servers.app import JSON_BODY

if typing.TYPE_CHECKING:
    from tests.servers.run import UvicornServer


@pytest.fixture
def base(server: UvicornServer) -> str:
    return server.url.rstrip("/")


def echoed(response: httpx.Response) -> dict[str, typing.Any]:
    data: dict[str, typing.Any] = response.json()
    return data


def test_get_and_other_verbs(base: str) -> None:
    r = httpx.get(f"{base}/echo")
    assert repr(r) == "<Response [200 OK]>"
    r = httpx.post(f"{base}/echo", data={"key": "value"})
    assert echoed(r)["method"] == "POST" and echoed(r)["body"] == "key=value"
    r = httpx.put(f"{base}/echo", data={"key": "value"})
    assert echoed(r)["method"] == "PUT"
    r = httpx.delete(f"{base}/echo")
    assert echoed(r)["method"] == "DELETE"
    r = httpx.head(f"{base}/echo")
    assert r.status_code == 200 and r.content == b""
    r = httpx.options(f"{base}/echo")
    assert echoed(r)["method"] == "OPTIONS"


def test_params(base: str) -> None:
    r = httpx.get(f"{base}/echo", params={"key1": "value1", "key2": "value2"})
    assert r.url == f"{base}/echo?key1=value1&key2=value2"
    r = httpx.get(f"{base}/echo", params={"key1": "value1", "key2": ["value2", "value3"]})
    assert r.url == f"{base}/echo?key1=value1&key2=value2&key2=value3"
    assert echoed(r)["query"] == {"key1": ["value1"], "key2": ["value2", "value3"]}


def test_text_encoding(base: str) -> None:
    r = httpx.get(f"{base}/encoding/utf-8")
    assert r.encoding == "utf-8"
    assert r.text == r.content.decode("utf-8")
    r = httpx.get(f"{base}/encoding/iso-8859-1", params={"declared": "false"})
    assert r.charset_encoding is None
    r.encoding = "ISO-8859-1"
    assert r.text == r.content.decode("iso-8859-1")


def test_binary_and_compressed_content(base: str) -> None:
    plain = httpx.get(f"{base}/gzip").json()
    for path in ["/deflate", "/brotli", "/zstd", "/multi_encoding"]:
        assert httpx.get(f"{base}{path}").json() == plain, path
    assert httpx.get(f"{base}/bytes/300").content == (bytes(range(256)) * 2)[:300]


def test_json_and_headers(base: str) -> None:
    r = httpx.get(f"{base}/echo", headers={"user-agent": "my-app/0.0.1"})
    headers = dict(echoed(r)["headers"])
    assert headers["user-agent"] == "my-app/0.0.1"
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers.get("content-type") == "application/json"


def test_forms_files_json_content(base: str, tmp_path: pathlib.Path) -> None:
    r = httpx.post(f"{base}/echo", data={"key1": ["value1", "value2"]})
    assert echoed(r)["body"] == "key1=value1&key1=value2"

    report = tmp_path / "report.xls"
    report.write_bytes(b"\x00\x01binary")
    with open(report, "rb") as report_file:
        r = httpx.post(f"{base}/echo", files={"upload-file": report_file})
    body = echoed(r)["body"]
    assert 'name="upload-file"; filename="report.xls"' in body
    assert "\x00\x01binary" in body
    with open(report, "rb") as report_file:
        files = {"upload-file": ("report.xls", report_file, "application/vnd.ms-excel")}
        r = httpx.post(f"{base}/echo", files=files)
    assert "Content-Type: application/vnd.ms-excel" in echoed(r)["body"]
    with open(report, "rb") as report_file:
        r = httpx.post(
            f"{base}/echo", data={"message": "Hello, world!"}, files={"file": report_file}
        )
    assert 'name="message"\r\n\r\nHello, world!' in echoed(r)["body"]

    data = {"integer": 123, "boolean": True, "list": ["a", "b", "c"]}
    r = httpx.post(f"{base}/echo", json=data)
    assert json.loads(echoed(r)["body"]) == data

    r = httpx.post(f"{base}/echo", content=b"Hello, world")
    assert echoed(r)["body"] == "Hello, world"

    def generate() -> typing.Iterator[bytes]:
        yield b"Hello, "
        yield b"world"

    r = httpx.post(f"{base}/echo", content=generate())
    assert echoed(r)["body"] == "Hello, world"


def test_status_codes(base: str) -> None:
    r = httpx.get(f"{base}/echo")
    assert r.status_code == 200
    assert r.status_code == httpx.codes.OK
    not_found = httpx.get(f"{base}/status/404")
    assert not_found.status_code == 404
    with pytest.raises(httpx.HTTPStatusError) as info:
        not_found.raise_for_status()
    assert str(info.value) == (
        f"Client error '404 Not Found' for url '{base}/status/404'\n"
        "For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404"
    )
    assert r.raise_for_status() is r
    data = httpx.get(f"{base}/json").raise_for_status().json()
    assert data == JSON_BODY


def test_streaming(base: str) -> None:
    expected = (bytes(range(256)) * 40)[:10000]
    with httpx.stream("GET", f"{base}/bytes/10000?chunk_size=999") as r:
        assert b"".join(r.iter_bytes()) == expected
    with httpx.stream("GET", f"{base}/stream/3") as r:
        assert "".join(r.iter_text()).count("chunk") == 3
    with httpx.stream("GET", f"{base}/stream/3") as r:
        assert list(r.iter_lines()) == [json.dumps({"chunk": i}) for i in range(3)]
    with httpx.stream("GET", f"{base}/gzip") as r:
        raw = b"".join(r.iter_raw())
    assert raw[:2] == b"\x1f\x8b"  # still gzip: iter_raw does no content decoding
    with httpx.stream("GET", f"{base}/bytes/100") as r:
        with pytest.raises(httpx.ResponseNotRead):
            r.text
        if int(r.headers["Content-Length"]) < 1000:
            r.read()
            assert len(r.content) == 100


def test_cookies(base: str) -> None:
    r = httpx.get(f"{base}/cookies/set?chocolate=chip")
    assert r.cookies["chocolate"] == "chip"
    r = httpx.get(f"{base}/cookies", cookies={"peanut": "butter"})
    assert r.json() == {"peanut": "butter"}
    cookies = httpx.Cookies()
    cookies.set("cookie_on_domain", "hello, there!", domain="127.0.0.1")
    cookies.set("cookie_off_domain", "nope.", domain="example.org")
    r = httpx.get(f"{base}/cookies", cookies=cookies)
    assert r.json() == {"cookie_on_domain": "hello, there!"}


def test_redirection_and_history(base: str) -> None:
    r = httpx.get(f"{base}/redirect_301")
    assert r.status_code == 301
    assert r.history == []
    assert repr(r.next_request) == f"<Request('GET', '{base}/echo')>"
    r = httpx.get(f"{base}/redirect_301", follow_redirects=True)
    assert r.url == f"{base}/echo"
    assert r.status_code == 200
    assert [repr(h) for h in r.history] == ["<Response [301 Moved Permanently]>"]


def test_timeouts(base: str) -> None:
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{base}/slow_headers?delay=1", timeout=0.2)
    assert httpx.get(f"{base}/echo", timeout=None).status_code == 200


def test_authentication(base: str) -> None:
    r = httpx.get(f"{base}/basic-auth/my_user/password123", auth=("my_user", "password123"))
    assert r.json() == {"authenticated": True, "user": "my_user"}
    auth = httpx.DigestAuth("my_user", "password123")
    r = httpx.get(f"{base}/digest-auth/auth/my_user/password123/MD5", auth=auth)
    assert repr(r) == "<Response [200 OK]>"


def test_exceptions(base: str, fault_server: typing.Any) -> None:
    with pytest.raises(httpx.RequestError) as info:
        httpx.get(fault_server.refused_url)
    assert str(info.value.request.url) == fault_server.refused_url
    response = httpx.get(f"{base}/status/503")
    with pytest.raises(httpx.HTTPStatusError) as status_info:
        response.raise_for_status()
    assert status_info.value.response.status_code == 503
    assert status_info.value.request.url == f"{base}/status/503"
    for url in [fault_server.refused_url, f"{base}/status/500"]:
        with pytest.raises(httpx.HTTPError) as any_info:
            httpx.get(url).raise_for_status()
        assert any_info.value.request.url == url
