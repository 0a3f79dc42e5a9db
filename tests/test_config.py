from __future__ import annotations

import errno
import math
import shutil
import ssl
import subprocess
import warnings
from pathlib import Path

import pytest
import trustme
from cryptography.hazmat.primitives import serialization

import httpx
from httpx._config import (
    _MAX_SHARED_CONTEXTS,
    DEFAULT_LIMITS,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_TIMEOUT_CONFIG,
    UNSET,
    Limits,
    Proxy,
    Timeout,
    UnsetType,
    create_ssl_context,
    transport_ssl_context,
)
from httpx._headers import Headers
from httpx._urls import URL

# ---------------------------------------------------------------------------------------
# Timeout
# ---------------------------------------------------------------------------------------


def test_timeout_single_value_applies_to_all_phases() -> None:
    timeout = Timeout(5.0)
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (5.0, 5.0, 5.0, 5.0)
    assert repr(timeout) == "Timeout(timeout=5.0)"
    assert timeout.as_dict() == {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}


def test_timeout_none_disables_all() -> None:
    timeout = Timeout(None)
    assert timeout.as_dict() == {"connect": None, "read": None, "write": None, "pool": None}
    assert repr(timeout) == "Timeout(timeout=None)"


def test_timeout_default_with_override() -> None:
    timeout = Timeout(5.0, connect=60.0)
    assert timeout.as_dict() == {"connect": 60.0, "read": 5.0, "write": 5.0, "pool": 5.0}
    assert repr(timeout) == "Timeout(connect=60.0, read=5.0, write=5.0, pool=5.0)"


def test_timeout_override_with_none() -> None:
    timeout = Timeout(5.0, pool=None)
    assert timeout.pool is None
    assert timeout.read == 5.0


def test_timeout_all_four_explicit() -> None:
    timeout = Timeout(connect=1, read=2, write=3, pool=4)
    assert timeout.as_dict() == {"connect": 1, "read": 2, "write": 3, "pool": 4}


def test_timeout_tuple() -> None:
    timeout = Timeout((1.0, 2.0, None, 4.0))
    assert timeout.as_dict() == {"connect": 1.0, "read": 2.0, "write": None, "pool": 4.0}


def test_timeout_from_timeout() -> None:
    original = Timeout(1.0, read=9.0)
    copy = Timeout(original)
    assert copy == original
    assert copy is not original


def test_timeout_requires_default_or_all_four() -> None:
    with pytest.raises(ValueError, match="must either include a default"):
        Timeout(connect=5)
    with pytest.raises(ValueError, match="must either include a default"):
        Timeout()
    with pytest.raises(ValueError, match="must either include a default"):
        Timeout(connect=1, read=2, write=3)


@pytest.mark.parametrize(
    "value, expected",
    [
        ((3, 5), (3, 5, None, None)),
        ((3, 5, 7), (3, 5, 7, None)),
        ((1, 2, 3, 4, 5), (1, 2, 3, 4)),
    ],
)
def test_timeout_tuples_of_two_to_four_items(
    value: tuple[float, ...], expected: tuple[float | None, ...]
) -> None:
    # As httpx: (connect, read[, write[, pool]]); missing phases have no timeout.
    timeout = Timeout(value)  # type: ignore[arg-type]
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == expected


@pytest.mark.parametrize("value", [(), (1,)])
def test_timeout_tuple_too_short(value: tuple[float, ...]) -> None:
    with pytest.raises(IndexError):
        Timeout(value)  # type: ignore[arg-type]


def test_timeout_tuple_ignores_overrides_and_instance_rejects_them() -> None:
    # httpx 0.28: a tuple wins over per-phase arguments; a Timeout with them is an error.
    assert Timeout((1, 2, 3, 4), connect=5) == Timeout((1, 2, 3, 4))
    with pytest.raises(AssertionError):
        Timeout(Timeout(1), read=5)


@pytest.mark.parametrize("value", ["5", True, -1, math.inf, None])
def test_timeout_values_are_kept_as_given(value: object) -> None:
    # httpx 0.28 does not check the values: they reach the transport as given.
    timeout = Timeout(value)  # type: ignore[arg-type]
    assert timeout.as_dict() == {"connect": value, "read": value, "write": value, "pool": value}
    assert repr(timeout) == f"Timeout(timeout={value})"


def test_timeout_zero_is_allowed() -> None:
    assert Timeout(0).connect == 0


def test_timeout_equality_and_hash() -> None:
    assert Timeout(5) == Timeout(5.0)
    assert Timeout(5) != Timeout(6)
    assert Timeout(5, pool=1) != Timeout(5)
    assert Timeout(5) != 5
    assert Timeout(5) != (5, 5, 5, 5)
    with pytest.raises(TypeError):
        hash(Timeout(5))


def test_unset_sentinel() -> None:
    assert isinstance(UNSET, UnsetType)
    assert repr(UNSET) == "<httpx._config.UnsetType>"
    assert Timeout(1.0, connect=UNSET).connect == 1.0


def test_defaults() -> None:
    assert DEFAULT_TIMEOUT_CONFIG == Timeout(timeout=5.0)
    assert DEFAULT_LIMITS == Limits(max_connections=100, max_keepalive_connections=20)
    assert DEFAULT_LIMITS.keepalive_expiry == 5.0
    assert DEFAULT_MAX_REDIRECTS == 20


# ---------------------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------------------


def test_limits_defaults_and_repr() -> None:
    limits = Limits()
    assert limits.max_connections is None
    assert limits.max_keepalive_connections is None
    assert limits.keepalive_expiry == 5.0
    assert repr(Limits(max_connections=10, max_keepalive_connections=2)) == (
        "Limits(max_connections=10, max_keepalive_connections=2, keepalive_expiry=5.0)"
    )


def test_limits_equality_and_hash() -> None:
    assert Limits(max_connections=10) == Limits(max_connections=10)
    assert Limits(max_connections=10) != Limits(max_connections=11)
    assert Limits(keepalive_expiry=None) != Limits()
    assert Limits() != "Limits()"
    with pytest.raises(TypeError):
        hash(Limits())


def test_limits_allows_zero_keepalive() -> None:
    assert Limits(max_keepalive_connections=0).max_keepalive_connections == 0


@pytest.mark.parametrize(
    "kwargs",
    [{"max_connections": 0}, {"max_connections": 1.5}, {"keepalive_expiry": -1}],
)
def test_limits_values_are_kept_as_given(kwargs: dict[str, object]) -> None:
    # httpx 0.28 does not check the values: they reach the connection pool as given.
    limits = Limits(**kwargs)  # type: ignore[arg-type]
    for name, value in kwargs.items():
        assert getattr(limits, name) == value


# ---------------------------------------------------------------------------------------
# Proxy
# ---------------------------------------------------------------------------------------


def test_proxy_plain() -> None:
    proxy = Proxy("http://proxy.example:3128")
    assert proxy.url == URL("http://proxy.example:3128")
    assert proxy.auth is None
    assert proxy.raw_auth is None
    assert isinstance(proxy.headers, Headers)
    assert len(proxy.headers) == 0
    assert proxy.ssl_context is None
    assert repr(proxy) == f"Proxy({str(URL('http://proxy.example:3128'))!r})"


@pytest.mark.parametrize("scheme", ["http", "https", "socks5", "socks5h"])
def test_proxy_schemes(scheme: str) -> None:
    assert Proxy(f"{scheme}://proxy.example:1080").url.scheme == scheme


def test_proxy_accepts_url_instance() -> None:
    assert Proxy(URL("https://proxy.example")).url == URL("https://proxy.example")


@pytest.mark.parametrize("url", ["ftp://proxy.example", "ws://proxy.example", "socks4://p"])
def test_proxy_unknown_scheme(url: str) -> None:
    with pytest.raises(ValueError, match="Unknown scheme for proxy URL"):
        Proxy(url)


def test_proxy_credentials_move_from_url_to_auth() -> None:
    proxy = Proxy("http://user:p%40ss%C3%A9@proxy.example:3128/")
    assert proxy.auth == ("user", "p@ssé")
    assert proxy.raw_auth == (b"user", "p@ssé".encode())
    assert proxy.url.username == ""
    assert proxy.url.password == ""
    assert "p@ss" not in str(proxy.url)
    assert proxy.url.host == "proxy.example"
    assert proxy.url.port == 3128
    assert repr(proxy) == "Proxy('http://proxy.example:3128/', auth=('user', '********'))"


def test_proxy_username_only() -> None:
    proxy = Proxy("http://user@proxy.example")
    assert proxy.auth == ("user", "")


def test_proxy_auth_argument() -> None:
    proxy = Proxy("http://proxy.example", auth=("user", "secret"))
    assert proxy.raw_auth == (b"user", b"secret")
    assert "secret" not in repr(proxy)


def test_proxy_credentials_in_the_url_win() -> None:
    # As httpx: credentials in the URL replace an auth= argument.
    proxy = Proxy("http://user:pw@proxy.example", auth=("other", "x"))
    assert proxy.auth == ("user", "pw")
    assert proxy.url == URL("http://proxy.example")


def test_proxy_headers() -> None:
    proxy = Proxy("http://proxy.example", headers={"Proxy-Thing": "1"})
    assert proxy.headers["proxy-thing"] == "1"
    url = str(URL("http://proxy.example"))
    assert repr(proxy) == f"Proxy({url!r}, headers={{'proxy-thing': '1'}})"


def test_proxy_ssl_context_is_kept() -> None:
    context = ssl.create_default_context()
    assert Proxy("https://proxy.example", ssl_context=context).ssl_context is context
    assert Proxy("http://proxy.example", ssl_context=context).ssl_context is context


def test_proxy_url_without_host() -> None:
    # As httpx: accepted here; a request through it fails at the transport.
    assert Proxy("http://").url == URL("http://")


# ---------------------------------------------------------------------------------------
# SSL contexts
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("localhost")


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def server_context(
    cert: trustme.LeafCert, *, alpn: list[str] | None = None, client_ca: trustme.CA | None = None
) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    if alpn:
        context.set_alpn_protocols(alpn)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        client_ca.configure_trust(context)
    return context


def handshake(
    client_context: ssl.SSLContext, server: ssl.SSLContext, hostname: str = "localhost"
) -> ssl.SSLObject:
    """Run a real TLS handshake between the two contexts over memory buffers."""
    client_in, client_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_in, server_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    client = client_context.wrap_bio(client_in, client_out, server_hostname=hostname)
    peer = server.wrap_bio(server_in, server_out, server_side=True)
    for _ in range(10):
        pending = False
        for side in (client, peer):
            try:
                side.do_handshake()
            except ssl.SSLWantReadError:
                pending = True
        server_in.write(client_out.read())
        client_in.write(server_out.read())
        if not pending:
            # TLS 1.3: the server checks a client certificate after the client is done.
            peer.write(b"ping")
            client_in.write(server_out.read())
            assert client.read(4) == b"ping"
            return client
    raise AssertionError("handshake did not complete")


def test_default_context_verifies(clean_env: pytest.MonkeyPatch) -> None:
    context = create_ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.cert_store_stats()["x509_ca"] > 50  # certifi's bundle


def test_default_context_rejects_unknown_ca(
    clean_env: pytest.MonkeyPatch, server_cert: trustme.LeafCert
) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(create_ssl_context(), server_context(server_cert))


def test_create_ssl_context_returns_a_new_context_each_time(
    clean_env: pytest.MonkeyPatch,
) -> None:
    # The caller owns the context and may change it (load_cert_chain, ALPN...).
    assert create_ssl_context() is not create_ssl_context()


def test_verify_false(clean_env: pytest.MonkeyPatch, server_cert: trustme.LeafCert) -> None:
    context = create_ssl_context(verify=False)
    assert context.verify_mode == ssl.CERT_NONE
    assert context.check_hostname is False
    handshake(context, server_context(server_cert), hostname="wrong.example")


def test_verify_context_is_returned_as_is() -> None:
    context = ssl.create_default_context()
    assert create_ssl_context(verify=context) is context
    assert transport_ssl_context(verify=context, http2=True) is context


def test_verify_ca_file_path(ca_file: str, server_cert: trustme.LeafCert) -> None:
    with pytest.warns(DeprecationWarning, match="verify=<str>"):
        context = create_ssl_context(verify=ca_file)
    assert context.cert_store_stats()["x509_ca"] == 1
    handshake(context, server_context(server_cert))
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(context, server_context(server_cert), hostname="other.example")


def test_verify_pathlike(ca_file: str, server_cert: trustme.LeafCert) -> None:
    with pytest.warns(DeprecationWarning):
        context = create_ssl_context(verify=Path(ca_file))  # type: ignore[arg-type]
    handshake(context, server_context(server_cert))


def hashed_ca_dir(ca: trustme.CA, directory: Path) -> str:
    """A CA directory in OpenSSL's <subject-hash>.0 layout (needs the openssl tool)."""
    openssl = shutil.which("openssl")
    if openssl is None:  # pragma: no cover
        pytest.skip("the openssl command is needed to hash a CA directory")
    pem = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    subject_hash = subprocess.run(
        [openssl, "x509", "-hash", "-noout", "-in", str(pem)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (directory / f"{subject_hash}.0").write_bytes(pem.read_bytes())
    return str(directory)


def test_verify_ca_directory(
    ca: trustme.CA, server_cert: trustme.LeafCert, tmp_path: Path
) -> None:
    directory = hashed_ca_dir(ca, tmp_path)
    with pytest.warns(DeprecationWarning):
        context = create_ssl_context(verify=directory)
    handshake(context, server_context(server_cert))


def test_verify_missing_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.pem")
    with pytest.warns(DeprecationWarning):
        with pytest.raises(FileNotFoundError, match="invalid path: .*nope.pem"):
            create_ssl_context(verify=missing)


def test_verify_file_that_is_not_pem(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate")
    with pytest.warns(DeprecationWarning):
        with pytest.raises(ssl.SSLError, match="Could not load CA certificates from"):
            create_ssl_context(verify=str(bogus))


@pytest.mark.parametrize("verify", [None, 1, 0, b"/etc/ssl", ["a"]])
def test_verify_bad_type(verify: object) -> None:
    with pytest.raises(TypeError, match="verify must be True, False"):
        create_ssl_context(verify=verify)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="verify must be True, False"):
        transport_ssl_context(verify=verify)  # type: ignore[arg-type]


def test_ssl_cert_file_honoured_with_trust_env(
    clean_env: pytest.MonkeyPatch, ca_file: str, server_cert: trustme.LeafCert
) -> None:
    clean_env.setenv("SSL_CERT_FILE", ca_file)
    context = create_ssl_context()
    assert context.cert_store_stats()["x509_ca"] == 1
    handshake(context, server_context(server_cert))


def test_ssl_cert_file_ignored_without_trust_env(
    clean_env: pytest.MonkeyPatch, ca_file: str, server_cert: trustme.LeafCert
) -> None:
    clean_env.setenv("SSL_CERT_FILE", ca_file)
    context = create_ssl_context(trust_env=False)
    assert context.cert_store_stats()["x509_ca"] > 50
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(context, server_context(server_cert))


def test_missing_ssl_cert_file_falls_back_to_certifi(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    assert create_ssl_context().cert_store_stats()["x509_ca"] > 50


def test_ssl_cert_dir_honoured(
    clean_env: pytest.MonkeyPatch,
    ca: trustme.CA,
    server_cert: trustme.LeafCert,
    tmp_path: Path,
) -> None:
    clean_env.setenv("SSL_CERT_DIR", hashed_ca_dir(ca, tmp_path))
    handshake(create_ssl_context(), server_context(server_cert))


def test_sslkeylogfile(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    keylog = str(tmp_path / "keys.log")
    clean_env.setenv("SSLKEYLOGFILE", keylog)
    assert create_ssl_context().keylog_filename == keylog
    assert create_ssl_context(verify=False).keylog_filename == keylog
    assert create_ssl_context(trust_env=False).keylog_filename is None
    assert create_ssl_context(verify=False, trust_env=False).keylog_filename is None


# Client certificates ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def client_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("client@example.org")


def test_cert_combined_file(
    ca: trustme.CA, ca_file: str, server_cert: trustme.LeafCert, client_cert: trustme.LeafCert
) -> None:
    server = server_context(server_cert, client_ca=ca)
    combined = Path(ca_file).parent / "client.pem"
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(combined))
    with pytest.warns(DeprecationWarning) as record:
        context = create_ssl_context(verify=ca_file, cert=str(combined))
    assert any("cert=" in str(w.message) for w in record)
    handshake(context, server)
    with pytest.warns(DeprecationWarning):
        without_cert = create_ssl_context(verify=ca_file)
    with pytest.raises(ssl.SSLError):
        handshake(without_cert, server)


def test_cert_and_key_tuple(
    ca: trustme.CA,
    clean_env: pytest.MonkeyPatch,
    ca_file: str,
    server_cert: trustme.LeafCert,
    client_cert: trustme.LeafCert,
    tmp_path: Path,
) -> None:
    clean_env.setenv("SSL_CERT_FILE", ca_file)
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    client_cert.cert_chain_pems[0].write_to_path(str(certfile))
    client_cert.private_key_pem.write_to_path(str(keyfile))
    with pytest.warns(DeprecationWarning, match="cert="):
        context = create_ssl_context(cert=(str(certfile), str(keyfile)))
    handshake(context, server_context(server_cert, client_ca=ca))


def encrypted_key(cert: trustme.LeafCert, password: bytes) -> bytes:
    key = serialization.load_pem_private_key(cert.private_key_pem.bytes(), password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )


def test_cert_with_password(
    ca: trustme.CA,
    clean_env: pytest.MonkeyPatch,
    ca_file: str,
    server_cert: trustme.LeafCert,
    client_cert: trustme.LeafCert,
    tmp_path: Path,
) -> None:
    clean_env.setenv("SSL_CERT_FILE", ca_file)
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    client_cert.cert_chain_pems[0].write_to_path(str(certfile))
    keyfile.write_bytes(encrypted_key(client_cert, b"s3cret"))
    with pytest.warns(DeprecationWarning):
        context = create_ssl_context(cert=(str(certfile), str(keyfile), "s3cret"))
    handshake(context, server_context(server_cert, client_ca=ca))
    with pytest.warns(DeprecationWarning):
        with pytest.raises(ssl.SSLError, match="Could not load client certificate"):
            create_ssl_context(cert=(str(certfile), str(keyfile), "wrong"))


def test_cert_missing_files(tmp_path: Path, client_cert: trustme.LeafCert) -> None:
    certfile = tmp_path / "cert.pem"
    client_cert.cert_chain_pems[0].write_to_path(str(certfile))
    with pytest.warns(DeprecationWarning):
        with pytest.raises(FileNotFoundError, match="certificate file not found: .*nope.pem"):
            create_ssl_context(cert=str(tmp_path / "nope.pem"))
    with pytest.warns(DeprecationWarning):
        with pytest.raises(FileNotFoundError, match="key file not found: .*nokey.pem"):
            create_ssl_context(cert=(str(certfile), str(tmp_path / "nokey.pem")))


def test_bad_cert_file_message_is_one_readable_line(tmp_path: Path) -> None:
    # httpx 0.28 lets ssl's own SSLError through ("[SSL] PEM lib ..."): same type and
    # errno here, with the file named. A single-argument SSLError would render as a tuple.
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate\n")
    with pytest.warns(DeprecationWarning):
        with pytest.raises(ssl.SSLError) as info:
            create_ssl_context(cert=str(bad))
    assert str(info.value) == (
        f"Could not load client certificate {str(bad)!r} (wrong password, or not a PEM "
        f"certificate and key?): {info.value.__cause__.strerror}"  # type: ignore[union-attr]
    )
    assert "PEM lib" in str(info.value)
    assert info.value.errno == info.value.__cause__.errno  # type: ignore[union-attr]
    assert info.value.library == "SSL"
    with pytest.warns(DeprecationWarning):
        with pytest.raises(ssl.SSLError, match=r"^Could not load client cert.* with key "):
            httpx.Client(cert=(str(bad), str(bad)))


def test_missing_cert_file_error_has_errno_and_name(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.pem")
    with pytest.warns(DeprecationWarning):
        with pytest.raises(FileNotFoundError) as info:
            httpx.Client(cert=missing)
    assert info.value.errno == errno.ENOENT
    assert info.value.filename == missing
    assert str(info.value) == f"[Errno 2] Client certificate file not found: {missing!r}"


@pytest.mark.parametrize(
    "cert, exc, match",
    [
        (("a",), ValueError, "got a tuple of 1 items"),
        (("a", "b", "c", "d"), ValueError, "got a tuple of 4 items"),
        (123, TypeError, "not int"),
        ((1, "key.pem"), TypeError, "certfile must be a path"),
        (("cert.pem", 2), TypeError, "keyfile must be a path"),
        (("cert.pem", "key.pem", 3), TypeError, "password must be str or bytes"),
    ],
)
def test_cert_bad_values(cert: object, exc: type[Exception], match: str) -> None:
    with pytest.warns(DeprecationWarning):
        with pytest.raises(exc, match=match):
            create_ssl_context(verify=False, cert=cert)  # type: ignore[arg-type]


def test_empty_cert_is_no_cert() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        context = create_ssl_context(verify=False, cert="")
    assert context.verify_mode == ssl.CERT_NONE


# The shared context used by transports -----------------------------------------------------


def test_transport_context_is_shared_per_configuration(
    clean_env: pytest.MonkeyPatch,
) -> None:
    default = transport_ssl_context()
    assert transport_ssl_context() is default
    assert transport_ssl_context(True, None, True, http2=False) is default
    assert transport_ssl_context(http2=True) is not default
    assert transport_ssl_context(http2=True) is transport_ssl_context(http2=True)
    assert transport_ssl_context(verify=False) is transport_ssl_context(verify=False)
    assert transport_ssl_context(verify=False) is not default
    assert transport_ssl_context(trust_env=False) is not default
    assert default.verify_mode == ssl.CERT_REQUIRED
    assert transport_ssl_context(verify=False).verify_mode == ssl.CERT_NONE
    # Never handed to users: create_ssl_context() gives them their own.
    assert create_ssl_context() is not default


def test_transport_context_follows_environment_changes(
    clean_env: pytest.MonkeyPatch, ca_file: str, server_cert: trustme.LeafCert
) -> None:
    default = transport_ssl_context()
    clean_env.setenv("SSL_CERT_FILE", ca_file)
    from_env = transport_ssl_context()
    assert from_env is not default
    assert transport_ssl_context() is from_env
    handshake(from_env, server_context(server_cert))
    # trust_env=False does not look at the variable.
    assert transport_ssl_context(trust_env=False) is transport_ssl_context(trust_env=False)
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(transport_ssl_context(trust_env=False), server_context(server_cert))
    clean_env.delenv("SSL_CERT_FILE")
    assert transport_ssl_context() is default


@pytest.mark.parametrize("http2, expected", [(False, "http/1.1"), (True, "h2")])
def test_transport_context_alpn_preset(
    clean_env: pytest.MonkeyPatch,
    ca_file: str,
    server_cert: trustme.LeafCert,
    http2: bool,
    expected: str,
) -> None:
    clean_env.setenv("SSL_CERT_FILE", ca_file)
    server = server_context(server_cert, alpn=["h2", "http/1.1"])
    client = handshake(transport_ssl_context(http2=http2), server)
    assert client.selected_alpn_protocol() == expected


def test_transport_context_with_cert_is_not_shared(
    clean_env: pytest.MonkeyPatch, client_cert: trustme.LeafCert, tmp_path: Path
) -> None:
    combined = tmp_path / "client.pem"
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(combined))
    with pytest.warns(DeprecationWarning):
        first = transport_ssl_context(cert=str(combined))
    with pytest.warns(DeprecationWarning):
        second = transport_ssl_context(cert=str(combined))
    assert first is not second
    assert first is not transport_ssl_context()


def test_sslkeylogfile_is_part_of_the_shared_key(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plain = transport_ssl_context()
    assert plain.keylog_filename is None
    keylog = str(tmp_path / "keys.log")
    clean_env.setenv("SSLKEYLOGFILE", keylog)
    logged = transport_ssl_context()
    assert logged is not plain
    assert logged.keylog_filename == keylog
    assert transport_ssl_context(trust_env=False).keylog_filename is None


def test_shared_contexts_are_bounded_least_recently_used_first(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kept = transport_ssl_context(verify=False)
    dropped = transport_ssl_context(verify=False, http2=True)
    for index in range(_MAX_SHARED_CONTEXTS):
        clean_env.setenv("SSLKEYLOGFILE", str(tmp_path / f"keys{index}.log"))
        transport_ssl_context(verify=False)
        clean_env.delenv("SSLKEYLOGFILE")
        assert transport_ssl_context(verify=False) is kept  # recently used: never evicted
    assert transport_ssl_context(verify=False, http2=True) is not dropped
