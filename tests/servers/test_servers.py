"""The test servers themselves work: checked with httpcore, raw sockets and ssl only
(never with our own httpx), so a failure here points at the infrastructure."""

from __future__ import annotations

import base64
import gc
import gzip
import hashlib
import json
import re
import socket
import ssl
import time
import zlib
from typing import Any, cast

import brotli
import httpcore
import pytest
import trustme
import zstandard

from tests.servers import app as test_app
from tests.servers import digest
from tests.servers.faults import PARTIAL_BODY, FaultServer
from tests.servers.fixtures import PROXY_CREDENTIALS, TLSFiles
from tests.servers.proxy import ForwardProxy
from tests.servers.run import HypercornServer, UvicornServer

SHORT = {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}


def trusting(ca_cert: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_cert)


def request(
    method: str, url: str, *, body: bytes = b"", headers: list[tuple[str, str]] | None = None
) -> httpcore.Response:
    with httpcore.ConnectionPool() as pool:
        return pool.request(
            method, url, headers=headers or [], content=body, extensions={"timeout": SHORT}
        )


def get(url: str, headers: list[tuple[str, str]] | None = None) -> httpcore.Response:
    return request("GET", url, headers=headers)


def header(response: httpcore.Response, name: str) -> str:
    values = [v.decode("latin-1") for k, v in response.headers if k.decode().lower() == name]
    assert values, f"no {name} header in {response.headers}"
    return ", ".join(values)


def json_of(response: httpcore.Response) -> Any:
    return json.loads(response.content)


# --- the plain HTTP/1.1 server and the app's routes -------------------------------------


def test_hello_world(server: UvicornServer) -> None:
    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/")
    response = get(server.url)
    assert response.status == 200
    assert response.content == b"Hello, world!"
    assert header(response, "content-type") == "text/plain"


def test_echo_reports_method_path_query_headers_and_body(server: UvicornServer) -> None:
    body = bytes(range(256))
    response = request(
        "PUT",
        server.url_for("/echo?a=1&a=2&b=%20x"),
        body=body,
        headers=[("Content-Length", str(len(body))), ("X-Test", "yes")],
    )
    data = json_of(response)
    assert data["method"] == "PUT"
    assert data["path"] == "/echo"
    assert data["target"] == "/echo?a=1&a=2&b=%20x"
    assert data["query"] == {"a": ["1", "2"], "b": [" x"]}
    assert ["x-test", "yes"] in data["headers"]
    assert data["body"].encode("latin-1") == body
    assert data["http_version"] == "1.1"


def test_small_echo_routes(server: UvicornServer) -> None:
    posted = request(
        "POST", server.url_for("/echo_body"), body=b"abc", headers=[("Content-Length", "3")]
    )
    assert posted.content == b"abc"
    assert get(server.url_for("/echo_method")).content == b"GET"
    assert json_of(get(server.url_for("/echo_headers"), [("X-A", "1")]))["x-a"] == "1"
    assert json_of(get(server.url_for("/json"))) == {"Hello": "world!"}
    assert get(server.url_for("/http_version")).content == b"1.1"
    assert get(server.url_for("/no/such/route")).status == 404


@pytest.mark.parametrize("code", [200, 204, 304, 404, 418, 500, 599])
def test_status(server: UvicornServer, code: int) -> None:
    response = get(server.url_for(f"/status/{code}"))
    assert response.status == code
    assert response.content == b""


def test_status_rejects_informational_codes(server: UvicornServer) -> None:
    assert get(server.url_for("/status/101")).status == 400


@pytest.mark.parametrize(
    ("path", "status", "location"),
    [
        ("/redirect/3", 302, "/redirect/2"),
        ("/redirect/1", 302, "/echo"),
        ("/redirect_301", 301, "/echo"),
        ("/redirect_302", 302, "/echo"),
        ("/redirect_303", 303, "/echo"),
        ("/redirect_307", 307, "/echo"),
        ("/redirect_308", 308, "/echo"),
        ("/redirect_loop", 302, "/redirect_loop"),
        ("/malformed_redirect", 302, "https://1.2.3.256/"),
        ("/invalid_redirect", 302, "http://127.0.0.1:notaport/"),
        ("/relative_redirect", 302, "/echo"),
        ("/path_relative_redirect", 302, "echo?from=relative"),
        ("/redirect_with_fragment", 302, "/echo#fragment"),
        (
            "/redirect_to?url=https%3A%2F%2Fexample.org%2Fx&status_code=307",
            307,
            "https://example.org/x",
        ),
        ("/redirect_to?url=/echo", 302, "/echo"),
        ("/cookies/set_and_redirect?k=v", 302, "/cookies"),
    ],
)
def test_redirects(server: UvicornServer, path: str, status: int, location: str) -> None:
    response = get(server.url_for(path))
    assert response.status == status
    assert header(response, "location") == location


def test_scheme_relative_redirect_uses_the_host_header(server: UvicornServer) -> None:
    response = get(server.url_for("/scheme_relative_redirect"))
    assert header(response, "location") == f"//127.0.0.1:{server.port}/echo"


def test_redirect_chain_ends_at_echo(server: UvicornServer) -> None:
    url, hops = server.url_for("/redirect/4"), 0
    with httpcore.ConnectionPool() as pool:
        while (response := pool.request("GET", url)).status == 302:
            url = server.url_for(header(response, "location"))
            hops += 1
    assert hops == 4
    assert json_of(response)["path"] == "/echo"


def test_cookies(server: UvicornServer) -> None:
    response = get(server.url_for("/cookies/set?flavour=oat&size=big"))
    assert json_of(response) == {"flavour": "oat", "size": "big"}
    assert header(response, "set-cookie") == "flavour=oat; Path=/, size=big; Path=/"
    received = get(server.url_for("/cookies"), [("Cookie", "flavour=oat; size=big")])
    assert json_of(received) == {"flavour": "oat", "size": "big"}
    deleted = get(server.url_for("/cookies/delete?flavour"))
    assert header(deleted, "set-cookie") == "flavour=; Max-Age=0; Path=/"


def test_basic_auth(server: UvicornServer) -> None:
    url = server.url_for("/basic-auth/alice/s3cret")
    denied = get(url)
    assert denied.status == 401
    assert header(denied, "www-authenticate") == 'Basic realm="tests"'
    wrong = get(url, [("Authorization", "Basic " + base64.b64encode(b"alice:nope").decode())])
    assert wrong.status == 401
    good = get(url, [("Authorization", "Basic " + base64.b64encode(b"alice:s3cret").decode())])
    assert good.status == 200
    assert json_of(good) == {"authenticated": True, "user": "alice"}


# A client-side digest computation written independently of tests/servers/digest.py.
_CHALLENGE_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]+))')
_DIGEST_HASHES = {"MD5": "md5", "SHA": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}


def digest_authorization(
    challenge: str, method: str, uri: str, user: str, password: str, body: bytes = b""
) -> str:
    assert challenge.startswith("Digest ")
    params = {m[1]: m[2] or m[3] for m in _CHALLENGE_PARAM.finditer(challenge)}
    algorithm = params["algorithm"]
    name = _DIGEST_HASHES[algorithm.upper().removesuffix("-SESS")]

    def h(data: bytes) -> str:
        return hashlib.new(name, data).hexdigest()

    cnonce, nc = "0a4f113b", "00000001"
    ha1 = h(f"{user}:{params['realm']}:{password}".encode())
    if algorithm.upper().endswith("-SESS"):
        ha1 = h(f"{ha1}:{params['nonce']}:{cnonce}".encode())
    realm, nonce, opaque = params["realm"], params["nonce"], params["opaque"]
    fields = (
        f'username="{user}", realm="{realm}", nonce="{nonce}", '
        f'uri="{uri}", algorithm={algorithm}, opaque="{opaque}"'
    )
    if "qop" not in params:
        ha2 = h(f"{method}:{uri}".encode())
        return f'Digest {fields}, response="{h(f"{ha1}:{nonce}:{ha2}".encode())}"'
    qop = params["qop"].split(",")[-1]
    a2 = f"{method}:{uri}:{h(body)}" if qop == "auth-int" else f"{method}:{uri}"
    response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{h(a2.encode())}".encode())
    return f'Digest {fields}, qop={qop}, nc={nc}, cnonce="{cnonce}", response="{response}"'


@pytest.mark.parametrize(
    "algorithm",
    ["MD5", "MD5-sess", "SHA", "SHA-256", "SHA-256-sess", "SHA-512", "SHA-512-sess"],
)
@pytest.mark.parametrize("qop", ["auth", "auth-int", "auth,auth-int", "none"])
def test_digest_auth_accepts_correct_and_rejects_wrong_responses(
    server: UvicornServer, algorithm: str, qop: str
) -> None:
    path = f"/digest-auth/{qop}/bob/pa55/{algorithm}?x=1"
    body = b"payload"
    length = [("Content-Length", str(len(body)))]
    if qop == "none" and algorithm.endswith("-sess"):
        # -sess folds the cnonce into HA1, and without qop a client sends no cnonce.
        assert request("POST", server.url_for(path), body=body, headers=length).status == 400
        return
    with httpcore.ConnectionPool() as pool:
        first = pool.request("POST", server.url_for(path), headers=length, content=body)
        assert first.status == 401
        challenge = header(first, "www-authenticate")
        assert f"algorithm={algorithm}" in challenge
        assert ("qop=" in challenge) is (qop != "none")
        for password, expected_status in [("wrong", 401), ("pa55", 200)]:
            authorization = digest_authorization(challenge, "POST", path, "bob", password, body)
            response = pool.request(
                "POST",
                server.url_for(path),
                headers=[*length, ("Authorization", authorization)],
                content=body,
            )
            assert response.status == expected_status


def test_digest_auth_int_covers_the_body(server: UvicornServer) -> None:
    path = "/digest-auth/auth-int/bob/pa55/SHA-256"
    challenge = header(get(server.url_for(path)), "www-authenticate")
    authorization = digest_authorization(challenge, "POST", path, "bob", "pa55", b"signed")
    tampered = request(
        "POST",
        server.url_for(path),
        body=b"forged",
        headers=[("Content-Length", "6"), ("Authorization", authorization)],
    )
    assert tampered.status == 401


def test_digest_auth_stale_variant_reissues_the_nonce_once(server: UvicornServer) -> None:
    path = "/digest-auth/auth/bob/pa55/MD5/stale"
    with httpcore.ConnectionPool() as pool:
        challenge = header(pool.request("GET", server.url_for(path)), "www-authenticate")
        assert "stale" not in challenge
        auth = digest_authorization(challenge, "GET", path, "bob", "pa55")
        stale = pool.request("GET", server.url_for(path), headers=[("Authorization", auth)])
        assert stale.status == 401
        fresh_challenge = header(stale, "www-authenticate")
        assert "stale=TRUE" in fresh_challenge
        auth = digest_authorization(fresh_challenge, "GET", path, "bob", "pa55")
        accepted = pool.request("GET", server.url_for(path), headers=[("Authorization", auth)])
        assert accepted.status == 200


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [  # RFC 7616 §3.9.1, the worked examples. The MD5 response printed in the RFC
        # (...c9700eca8403) is a typo, corrected by an erratum to the value below.
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_digest_server_matches_rfc7616_examples(algorithm: str, expected: str) -> None:
    challenge = digest.DigestChallenge(
        "Mufasa", "Circle of Life", "auth", algorithm, realm="http-auth@example.org"
    )
    params = {
        "username": "Mufasa",
        "realm": "http-auth@example.org",
        "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        "uri": "/dir/index.html",
        "qop": "auth",
        "nc": "00000001",
        "cnonce": "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        "opaque": digest.OPAQUE,
    }
    assert challenge.expected_response(params, "GET", "/dir/index.html", b"") == expected


@pytest.mark.parametrize(
    ("path", "coding", "decode"),
    [
        ("/gzip", "gzip", gzip.decompress),
        ("/deflate", "deflate", zlib.decompress),
        ("/brotli", "br", brotli.decompress),
        ("/zstd", "zstd", zstandard.ZstdDecompressor().decompress),
        ("/multi_encoding", "deflate, gzip", lambda data: zlib.decompress(gzip.decompress(data))),
    ],
)
def test_content_encodings(server: UvicornServer, path: str, coding: str, decode: Any) -> None:
    response = get(server.url_for(path))
    assert header(response, "content-encoding") == coding
    assert decode(response.content) == test_app.COMPRESSIBLE.encode()


def test_stream_sends_separate_chunks(server: UvicornServer) -> None:
    with httpcore.ConnectionPool() as pool:
        with pool.stream("GET", server.url_for("/stream/5?delay=0.01")) as response:
            assert header(response, "transfer-encoding") == "chunked"
            lines = b"".join(response.iter_stream()).splitlines()
    assert [json.loads(line) for line in lines] == [{"chunk": i} for i in range(5)]


@pytest.mark.parametrize("suffix", ["", "?chunk_size=1000"])
def test_bytes(server: UvicornServer, suffix: str) -> None:
    response = get(server.url_for(f"/bytes/70000{suffix}"))
    assert response.content == (bytes(range(256)) * 274)[:70000]


def test_slow_body_and_slow_headers_trip_read_timeouts(server: UvicornServer) -> None:
    timeout = {"timeout": {"read": 0.2}}
    with httpcore.ConnectionPool() as pool:
        with pool.stream("GET", server.url_for("/slow_body?delay=1"), extensions=timeout) as r:
            assert r.status == 200
            with pytest.raises(httpcore.ReadTimeout):
                r.read()
        with pytest.raises(httpcore.ReadTimeout):
            pool.request("GET", server.url_for("/slow_headers?delay=1"), extensions=timeout)
        assert get(server.url_for("/slow_body?delay=0.05")).content == b"first half,second half"


@pytest.mark.parametrize("charset", ["utf-8", "latin-1", "cp1252", "utf-16", "shift_jis"])
def test_encoding(server: UvicornServer, charset: str) -> None:
    declared = get(server.url_for(f"/encoding/{charset}"))
    assert header(declared, "content-type") == f"text/plain; charset={charset}"
    text = declared.content.decode(charset)
    assert text in test_app.ENCODING_SAMPLES
    undeclared = get(server.url_for(f"/encoding/{charset}?declared=false"))
    assert header(undeclared, "content-type") == "text/plain"
    assert undeclared.content == declared.content


def test_links_and_repeated_headers(server: UvicornServer) -> None:
    assert header(get(server.url_for("/links")), "link") == test_app.LINK_HEADER
    multi = get(server.url_for("/headers_multi"))
    assert [v for k, v in multi.headers if k == b"x-multi"] == [b"one", b"two"]
    assert len([k for k, _ in multi.headers if k == b"set-cookie"]) == 2
    custom = get(server.url_for("/response_headers?X-One=1&X-Two=a&X-Two=b"))
    assert [v for k, v in custom.headers if k.lower() == b"x-two"] == [b"a", b"b"]


def test_upload_urlencoded_and_multipart(server: UvicornServer) -> None:
    form = b"a=1&b=two+words&a=3"
    response = request(
        "POST",
        server.url_for("/upload"),
        body=form,
        headers=[("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "19")],
    )
    assert json_of(response)["fields"] == {"a": ["1", "3"], "b": ["two words"]}

    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="field"\r\n\r\n'
        b"value\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="upload"; filename="a.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
        b"\x00\x01binary\r\n\xff\r\n"
        b"--XyZ--\r\n"
    )
    data = json_of(
        request(
            "POST",
            server.url_for("/upload"),
            body=body,
            headers=[
                ("Content-Type", "multipart/form-data; boundary=XyZ"),
                ("Content-Length", str(len(body))),
            ],
        )
    )
    assert data["fields"] == {"field": ["value"]}
    assert data["files"] == {
        "upload": [
            {
                "filename": "a.bin",
                "content_type": "application/octet-stream",
                "content": "\x00\x01binary\r\n\xff",
            }
        ]
    }
    assert data["body"].encode("latin-1") == body


# --- TLS, HTTP/2, client certificates --------------------------------------------------


def test_tls_server_negotiates_http2(tls_server: HypercornServer, ca_cert_pem_file: str) -> None:
    assert tls_server.url == f"https://localhost:{tls_server.port}/"
    with httpcore.ConnectionPool(http2=True, ssl_context=trusting(ca_cert_pem_file)) as pool:
        response = pool.request("GET", tls_server.url_for("/echo"))
        assert response.extensions["http_version"] == b"HTTP/2"
        assert json_of(response)["http_version"] == "2"
        assert json_of(response)["scheme"] == "https"
        by_ip = pool.request("GET", tls_server.ip_url + "http_version")
        assert by_ip.content == b"2"


def test_tls_server_speaks_http11_without_h2(
    tls_server: HypercornServer, cert_authority: trustme.CA
) -> None:
    context = ssl.create_default_context()
    cert_authority.configure_trust(context)
    with httpcore.ConnectionPool(ssl_context=context) as pool:
        response = pool.request("GET", tls_server.url_for("/http_version"))
    assert response.extensions["http_version"] == b"HTTP/1.1"
    assert response.content == b"1.1"


def test_tls_server_is_not_trusted_by_default(tls_server: HypercornServer) -> None:
    with httpcore.ConnectionPool(ssl_context=ssl.create_default_context()) as pool:
        with pytest.raises(httpcore.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            pool.request("GET", tls_server.url)


def test_tls_certificate_names(tls_server: HypercornServer, ca_cert_pem_file: str) -> None:
    context = trusting(ca_cert_pem_file)
    with socket.create_connection((tls_server.host, tls_server.port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            certificate = tls.getpeercert()
    assert certificate is not None
    alt_names = cast("tuple[tuple[str, str], ...]", certificate["subjectAltName"])
    names = {value for _, value in alt_names}
    assert {"localhost", "127.0.0.1"} <= names


def test_mtls_server_requires_a_client_certificate(
    mtls_server: UvicornServer, ca_cert_pem_file: str, client_cert: tuple[str, str]
) -> None:
    with_cert = trusting(ca_cert_pem_file)
    with_cert.load_cert_chain(*client_cert)
    with httpcore.ConnectionPool(ssl_context=with_cert) as pool:
        assert pool.request("GET", mtls_server.url).content == b"Hello, world!"
    # TLS 1.3 reports the missing certificate after the handshake: either error is right.
    with httpcore.ConnectionPool(ssl_context=trusting(ca_cert_pem_file)) as pool:
        with pytest.raises(
            (httpcore.ConnectError, httpcore.ReadError, httpcore.RemoteProtocolError)
        ):
            pool.request("GET", mtls_server.url, extensions={"timeout": SHORT})


def test_client_cert_pem_file_loads(ca_cert_pem_file: str, client_cert_pem_file: str) -> None:
    trusting(ca_cert_pem_file).load_cert_chain(client_cert_pem_file)


@pytest.mark.anyio
async def test_async_clients_reach_both_servers(
    server: UvicornServer, tls_server: HypercornServer, ca_cert_pem_file: str
) -> None:
    async with httpcore.AsyncConnectionPool(
        http2=True, ssl_context=trusting(ca_cert_pem_file)
    ) as pool:
        plain = await pool.request("GET", server.url)
        assert plain.content == b"Hello, world!"
        secure = await pool.request("GET", tls_server.url_for("/http_version"))
        assert secure.extensions["http_version"] == b"HTTP/2"


# --- proxies ----------------------------------------------------------------------------


def test_http_proxy_forwards_absolute_form_requests(
    http_proxy: ForwardProxy, server: UvicornServer
) -> None:
    assert http_proxy.url == f"http://127.0.0.1:{http_proxy.port}"
    before = http_proxy.stats.forwarded
    body = b"through the proxy"
    with httpcore.HTTPProxy(http_proxy.url) as proxy:
        response = proxy.request(
            "POST",
            server.url_for("/echo?q=1"),
            headers=[("Content-Length", str(len(body)))],
            content=body,
        )
        chunked = proxy.request(
            "POST",
            server.url_for("/echo_body"),
            headers=[("Transfer-Encoding", "chunked")],
            content=iter([b"chunk one, ", b"chunk two"]),
        )
    data = json_of(response)
    assert data["target"] == "/echo?q=1"  # origin-form upstream
    assert data["body"] == body.decode()
    assert ["via", "1.1 tests-proxy"] in data["headers"]
    assert chunked.content == b"chunk one, chunk two"
    assert http_proxy.stats.forwarded == before + 2
    assert http_proxy.stats.targets[-1] == f"127.0.0.1:{server.port}"


def test_http_proxy_tunnels_connect_to_tls_and_http2(
    http_proxy: ForwardProxy, tls_server: HypercornServer, ca_cert_pem_file: str
) -> None:
    before = http_proxy.stats.tunnels
    context = trusting(ca_cert_pem_file)
    with httpcore.HTTPProxy(http_proxy.url, ssl_context=context, http2=True) as proxy:
        response = proxy.request("GET", tls_server.url_for("/http_version"))
    assert response.extensions["http_version"] == b"HTTP/2"
    assert http_proxy.stats.tunnels == before + 1
    assert http_proxy.stats.targets[-1] == f"localhost:{tls_server.port}"


def test_http_proxy_answers_502_for_unreachable_targets(
    http_proxy: ForwardProxy, fault_server: FaultServer
) -> None:
    with httpcore.HTTPProxy(http_proxy.url) as proxy:
        forwarded = proxy.request("GET", fault_server.refused_url)
        assert forwarded.status == 502
        with pytest.raises(httpcore.ProxyError):
            proxy.request("GET", fault_server.refused_url.replace("http://", "https://"))


def test_https_proxy(
    https_proxy: ForwardProxy,
    server: UvicornServer,
    tls_server: HypercornServer,
    ca_cert_pem_file: str,
) -> None:
    assert https_proxy.url == f"https://localhost:{https_proxy.port}"
    context = trusting(ca_cert_pem_file)
    before = https_proxy.stats.requests
    with httpcore.HTTPProxy(
        https_proxy.url, proxy_ssl_context=context, ssl_context=context
    ) as proxy:
        assert proxy.request("GET", server.url).content == b"Hello, world!"
        tls_in_tls = proxy.request("GET", tls_server.url_for("/http_version"))
        assert tls_in_tls.content == b"1.1"
    assert https_proxy.stats.requests == before + 2


def test_http_proxy_with_auth(http_proxy_with_auth: ForwardProxy, server: UvicornServer) -> None:
    proxy = http_proxy_with_auth
    assert proxy.url == f"http://proxy-user:proxy-password@127.0.0.1:{proxy.port}"
    assert proxy.credentials == PROXY_CREDENTIALS
    rejected, forwarded = proxy.stats.rejected, proxy.stats.forwarded
    with httpcore.HTTPProxy(proxy.url_without_auth) as pool:
        denied = pool.request("GET", server.url)
        assert denied.status == 407
        assert header(denied, "proxy-authenticate") == 'Basic realm="tests-proxy"'
    with httpcore.HTTPProxy(proxy.url_without_auth, proxy_auth=("proxy-user", "bad")) as pool:
        assert pool.request("GET", server.url).status == 407
        with pytest.raises(httpcore.ProxyError):
            pool.request("GET", server.url.replace("http://", "https://"))
    with httpcore.HTTPProxy(proxy.url_without_auth, proxy_auth=PROXY_CREDENTIALS) as pool:
        assert pool.request("GET", server.url).content == b"Hello, world!"
    assert proxy.stats.rejected == rejected + 3
    assert proxy.stats.forwarded == forwarded + 1


def test_socks5_proxy(
    socks5_proxy: ForwardProxy,
    server: UvicornServer,
    tls_server: HypercornServer,
    ca_cert_pem_file: str,
) -> None:
    assert socks5_proxy.url == f"socks5://127.0.0.1:{socks5_proxy.port}"
    before = socks5_proxy.stats.tunnels
    context = trusting(ca_cert_pem_file)
    with httpcore.SOCKSProxy(socks5_proxy.url, ssl_context=context, http2=True) as proxy:
        assert proxy.request("GET", server.url).content == b"Hello, world!"
        secure = proxy.request("GET", tls_server.url_for("/http_version"))
        assert secure.extensions["http_version"] == b"HTTP/2"
    assert socks5_proxy.stats.tunnels == before + 2
    assert socks5_proxy.stats.targets[-2:] == [
        f"127.0.0.1:{server.port}",
        f"localhost:{tls_server.port}",
    ]


def test_socks5_proxy_with_auth(
    socks5_proxy_with_auth: ForwardProxy, server: UvicornServer
) -> None:
    proxy = socks5_proxy_with_auth
    assert proxy.url == f"socks5://proxy-user:proxy-password@127.0.0.1:{proxy.port}"
    rejected, tunnels = proxy.stats.rejected, proxy.stats.tunnels
    # Rejections are checked on the wire: httpcore leaks the socket when a SOCKS
    # handshake fails (ResourceWarning), which filterwarnings=error would turn into a failure.
    with socket.create_connection((proxy.host, proxy.port), timeout=5) as sock:
        sock.sendall(b"\x05\x01\x00")  # offers "no authentication" only
        assert sock.recv(2) == b"\x05\xff"
    with socket.create_connection((proxy.host, proxy.port), timeout=5) as sock:
        sock.sendall(b"\x05\x01\x02")
        assert sock.recv(2) == b"\x05\x02"
        sock.sendall(b"\x01\x0aproxy-user\x03bad")  # RFC 1929 sub-negotiation
        assert sock.recv(2) == b"\x01\x01"
        assert sock.recv(1) == b""  # and the proxy hangs up
    with httpcore.SOCKSProxy(proxy.url_without_auth, proxy_auth=PROXY_CREDENTIALS) as pool:
        assert pool.request("GET", server.url).content == b"Hello, world!"
    assert proxy.stats.rejected == rejected + 2
    assert proxy.stats.tunnels == tunnels + 1


def test_socks5_proxy_refuses_other_commands(socks5_proxy: ForwardProxy) -> None:
    with socket.create_connection((socks5_proxy.host, socks5_proxy.port), timeout=5) as sock:
        sock.sendall(b"\x05\x01\x00")
        assert sock.recv(2) == b"\x05\x00"
        sock.sendall(b"\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50")  # BIND
        assert sock.recv(10)[:2] == b"\x05\x07"


@pytest.mark.anyio
async def test_async_socks5_and_http_proxies(
    socks5_proxy: ForwardProxy, http_proxy: ForwardProxy, server: UvicornServer
) -> None:
    async with httpcore.AsyncSOCKSProxy(socks5_proxy.url) as proxy:
        assert (await proxy.request("GET", server.url)).content == b"Hello, world!"
    async with httpcore.AsyncHTTPProxy(http_proxy.url) as proxy:
        assert (await proxy.request("GET", server.url)).content == b"Hello, world!"


# --- fault injection --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("reset", httpcore.ReadError),
        ("close-before-response", httpcore.RemoteProtocolError),
        ("close-mid-body", httpcore.RemoteProtocolError),
        ("bad-status", httpcore.RemoteProtocolError),
        ("bad-header", httpcore.RemoteProtocolError),
        ("bad-chunk", httpcore.RemoteProtocolError),
        ("garbage", httpcore.RemoteProtocolError),
        ("stall", httpcore.ReadTimeout),
        ("stall-body", httpcore.ReadTimeout),
    ],
)
def test_fault_modes(fault_server: FaultServer, mode: str, error: type[Exception]) -> None:
    timeout = {"timeout": {"connect": 2.0, "read": 0.2, "write": 2.0, "pool": 2.0}}
    before = list(fault_server.modes_served)
    with httpcore.ConnectionPool() as pool:
        with pytest.raises(error):
            pool.request("GET", fault_server.url_for_mode(mode), extensions=timeout)
    # The server records the mode when it has read the request: for the stalls, the
    # client's read timeout can come first on a loaded machine (the server thread had not
    # run yet), so wait for the record.
    deadline = time.monotonic() + 5.0
    while list(fault_server.modes_served) == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fault_server.modes_served[-1] == mode


def test_fault_stall_body_sends_headers_first(fault_server: FaultServer) -> None:
    timeout = {"timeout": {"read": 0.2}}
    with httpcore.ConnectionPool() as pool:
        with pool.stream("GET", fault_server.url_for_mode("stall-body"), extensions=timeout) as r:
            assert r.status == 200
            assert header(r, "content-length") == "1000"
            stream = r.iter_stream()
            assert next(stream) == PARTIAL_BODY
            with pytest.raises(httpcore.ReadTimeout):
                next(stream)


def test_refused_url(fault_server: FaultServer) -> None:
    with httpcore.ConnectionPool() as pool:
        with pytest.raises(httpcore.ConnectError):
            pool.request("GET", fault_server.refused_url)
    with httpcore.ConnectionPool() as pool:
        with pytest.raises(httpcore.ConnectTimeout):
            pool.request(
                "GET", fault_server.connect_timeout_url, extensions={"timeout": {"connect": 0.2}}
            )
    with pytest.raises(ValueError, match="unknown fault mode"):
        fault_server.url_for_mode("nope")


# --- lifecycle --------------------------------------------------------------------------


def assert_port_closed(port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_servers_stop_promptly_with_open_connections(tls_files: TLSFiles) -> None:
    """stop() must not wait on clients that hold connections open (stalled, half-sent
    requests, idle tunnels): the session must always end quickly."""
    context = trusting(tls_files.ca_cert)
    servers = [
        UvicornServer(),
        HypercornServer(tls_files.server_cert, tls_files.server_key, context),
        ForwardProxy("http"),
        ForwardProxy("socks5"),
        FaultServer(),
    ]
    for running in servers:
        running.start()
    with socket.create_connection(("127.0.0.1", servers[-1].port), timeout=5) as stalled:
        stalled.sendall(b"GET /stall HTTP/1.1\r\nHost: x\r\n\r\n")
        half_sent = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for s in servers]
        try:
            for sock in half_sent:
                sock.sendall(b"GET / HTTP/1.1\r\n")
            time.sleep(0.05)
            started = time.monotonic()
            for running in servers:
                running.stop()
            assert time.monotonic() - started < 8.0
        finally:
            for sock in half_sent:
                sock.close()
    for running in servers:
        assert_port_closed(running.port)


def test_stopped_servers_leave_no_connection_open(tls_files: TLSFiles) -> None:
    """A server stopped while clients hold connections (a half-sent request; a TLS session,
    whose close would wait for the client's close_notify) closes them all. A socket left
    open would be found by the garbage collector later, during some other test, and fail
    it with a ResourceWarning (tests/servers/run.py `ServerLoop`)."""
    context = trusting(tls_files.ca_cert)
    servers: list[Any] = [
        UvicornServer(),
        UvicornServer(ssl_certfile=tls_files.server_cert, ssl_keyfile=tls_files.server_key),
        HypercornServer(tls_files.server_cert, tls_files.server_key, context),
        ForwardProxy("http"),
        FaultServer(),
    ]
    clients: list[socket.socket] = []
    try:
        for running in servers:
            running.start()
            raw = socket.create_connection(("127.0.0.1", running.port), timeout=5)
            if running.scheme == "https":
                raw = context.wrap_socket(raw, server_hostname="localhost")
            clients.append(raw)
        for index, client in enumerate(clients):
            client.sendall(b"GET / HTTP/1.1\r\n" if index % 2 else b"GET /")
        time.sleep(0.05)
        loops = [
            running._loop_thread.loop for running in servers if hasattr(running, "_loop_thread")
        ]
        assert [len(loop.open_transports()) for loop in loops] == [1, 1]  # proxy, fault server
        for running in servers:
            running.stop()
        assert [loop.open_transports() for loop in loops] == [[], []]  # aborted on close
        gc.collect()  # a connection the servers left open would warn here
        for client in clients:
            try:
                assert client.recv(1) == b""  # closed by the server, not left hanging
            except OSError:
                pass  # reset: closed as well
    finally:
        for client in clients:
            client.close()


def test_startup_failures_are_reported_not_hung() -> None:
    cert, key = "/nonexistent/cert.pem", "/nonexistent/key.pem"
    with pytest.raises(RuntimeError, match="exited during startup") as uvicorn_failure:
        UvicornServer(ssl_certfile=cert, ssl_keyfile=key).start()
    assert isinstance(uvicorn_failure.value.__cause__, FileNotFoundError)
    context = ssl.create_default_context()
    with pytest.raises(RuntimeError, match="exited during startup") as hypercorn_failure:
        HypercornServer(cert, key, context).start()
    assert isinstance(hypercorn_failure.value.__cause__, FileNotFoundError)
