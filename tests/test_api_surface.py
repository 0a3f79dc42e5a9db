"""The public surface matches httpx 0.28's, as recorded in tests/data/httpx-0.28-api.json."""

from __future__ import annotations

import inspect
import json
import pathlib
import re
import sys
import typing

import pytest

import httpx

SNAPSHOT_PATH = pathlib.Path(__file__).resolve().parent / "data" / "httpx-0.28-api.json"
SNAPSHOT = json.loads(SNAPSHOT_PATH.read_text())
DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
MEMBERS: dict[str, typing.Any] = SNAPSHOT["members"]

# Where our annotations are written exactly as httpx 0.28 writes them, compare them too.
EXACT_ANNOTATIONS = {
    "Client",
    "AsyncClient",
    "HTTPTransport",
    "AsyncHTTPTransport",
    "request",
    "stream",
    "get",
    "options",
    "head",
    "post",
    "put",
    "patch",
    "delete",
}


# Our additions to httpx 0.28's `__all__`, under the names httpx2 gives them (each is
# listed in docs/compatibility.md and described in the API reference).
ADDED_NAMES = {
    "EventSource": "class",
    "Origin": "class",
    "query": "function",
    "Reconnect": "class",
    "ServerSentEvent": "class",
    "SSEError": "exception",
    "AsyncWebSocketSession": "class",
    "websocket": "function",
    "WebSocketDisconnect": "exception",
    "WebSocketError": "exception",
    "WebSocketInvalidTypeReceived": "exception",
    "WebSocketMessageTooLarge": "exception",
    "WebSocketNetworkError": "exception",
    "WebSocketPingTimeout": "exception",
    "WebSocketProtocolError": "exception",
    "WebSocketSession": "class",
    "WebSocketUpgradeError": "exception",
}
# Methods added to classes of httpx 0.28 (sync and async twins alike).
ADDED_METHODS = {
    "Client": ["query", "sse", "websocket"],
    "AsyncClient": ["query", "sse", "websocket"],
}
ADDED_PROPERTIES = {"URL": ["origin"]}


# Names httpx added after 0.28, which we export as it does.
ADDED_AFTER_028 = {"FunctionAuth"}


def test_all_matches_snapshot() -> None:
    assert len(httpx.__all__) == len(set(httpx.__all__))
    assert sorted(set(httpx.__all__) - set(ADDED_NAMES) - ADDED_AFTER_028) == SNAPSHOT["all"]
    assert set(ADDED_NAMES) | ADDED_AFTER_028 <= set(httpx.__all__)
    assert not set(ADDED_NAMES) & set(MEMBERS)


def test_additions_are_real_and_documented() -> None:
    compatibility = (DOCS / "compatibility.md").read_text(encoding="utf-8")
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    for name, kind in ADDED_NAMES.items():
        value = getattr(httpx, name)
        if kind == "function":
            assert inspect.isfunction(value), name
        else:
            assert isinstance(value, type), name
            assert issubclass(value, Exception) == (kind == "exception"), name
        assert value.__module__ == "httpx", name
        assert f"`httpx.{name}" in compatibility, name
        assert f"::: httpx.{name}\n" in api, name
    for owner, methods in {**ADDED_METHODS, **ADDED_PROPERTIES}.items():
        for method in methods:
            assert hasattr(getattr(httpx, owner), method), (owner, method)
            assert f"{owner}.{method}" in compatibility, (owner, method)
            assert method not in (MEMBERS[owner].get("methods") or {}), (owner, method)


def test_every_name_is_real() -> None:
    # No placeholders: every exported name is a working object of the recorded kind.
    for name, member in MEMBERS.items():
        value = getattr(httpx, name)
        if member["kind"] in ("class", "exception"):
            assert isinstance(value, type), name
        elif member["kind"] == "function":
            assert callable(value), name


def _parse_params(sig: str) -> list[tuple[str, str, str | None]]:
    """(name, annotation, default) for each parameter of an inspect-printed signature."""
    inner = sig[1 : sig.rindex(")")] if "->" not in sig else sig[1 : sig.rindex(") ->")]
    parts: list[str] = []
    depth = 0
    current = ""
    quote: str | None = None
    for char in inner:
        if quote:
            current += char
            if char == quote:
                quote = None
            continue
        if char in "'\"":
            quote = char
        elif char in "([{<":
            depth += 1
        elif char in ")]}>":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    params = []
    for part in parts:
        name, _, rest = part.partition(":")
        default: str | None = None
        if " = " in rest:
            rest, _, default = rest.partition(" = ")
        elif "=" in name:
            name, _, default = name.partition("=")
        params.append((name.strip(), rest.strip().strip("'"), default))
    return params


# Our additions to httpx 0.28's signatures: keyword-only, trailing, and defaulting to None
# so that code written for 0.28 behaves as it did (docs/compatibility.md lists them).
_CLIENT_ADDITIONS = ["max_decoded_size", "sensitive_headers", "retries", "resolve", "resolver"]
_TRANSPORT_ADDITIONS = ["resolve", "resolver", "happy_eyeballs_delay"]
ADDED_PARAMETERS = {
    "Timeout.__init__": ["total"],
    "Client.__init__": _CLIENT_ADDITIONS,
    "AsyncClient.__init__": _CLIENT_ADDITIONS,
    "HTTPTransport.__init__": _TRANSPORT_ADDITIONS,
    "AsyncHTTPTransport.__init__": _TRANSPORT_ADDITIONS,
}
# Annotations widened on purpose (docs/compatibility.md): `retries` also takes a Retry.
WIDENED_ANNOTATIONS = {
    ("HTTPTransport.__init__", "retries"): ("int", "int | Retry"),
    ("AsyncHTTPTransport.__init__", "retries"): ("int", "int | Retry"),
}
# Ours beyond httpx 0.28 and httpx2, reachable as `httpx.X` but not in `__all__` (so that
# `from httpx import *` is unchanged): documented in compatibility.md and api.md.
EXTRA_NAMES = {
    "DecodedSizeExceeded": "exception",
    "Retry": "class",
    "Timings": "class",
    "PoolStatus": "class",
    "system_trust_store": "function",
}
EXTRA_METHODS = {
    "Client": ["pool_status"],
    "AsyncClient": ["pool_status"],
    "HTTPTransport": ["pool_status"],
    "AsyncHTTPTransport": ["pool_status"],
}


def test_extra_names_are_real_documented_and_not_exported() -> None:
    compatibility = (DOCS / "compatibility.md").read_text(encoding="utf-8")
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    for name, kind in EXTRA_NAMES.items():
        value = getattr(httpx, name)
        assert name not in httpx.__all__, name
        if kind == "function":
            assert inspect.isfunction(value), name
        else:
            assert isinstance(value, type), name
            assert issubclass(value, Exception) == (kind == "exception"), name
        assert value.__module__ == "httpx", name
        assert f"`httpx.{name}" in compatibility, name
        assert f"::: httpx.{name}\n" in api, name
    for owner, methods in EXTRA_METHODS.items():
        for method in methods:
            assert callable(getattr(getattr(httpx, owner), method)), (owner, method)
            assert method in compatibility, (owner, method)


def _compare(name: str, ours: typing.Callable[..., typing.Any], expected_sig: str) -> None:
    signature = inspect.signature(ours)
    added = ADDED_PARAMETERS.get(name, [])
    if added:
        parameters = list(signature.parameters.values())
        tail = parameters[len(parameters) - len(added) :]
        assert [p.name for p in tail] == added, name
        for parameter in tail:
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, (name, parameter.name)
            assert parameter.default is None, (name, parameter.name)
        signature = signature.replace(parameters=parameters[: len(parameters) - len(added)])
    # The snapshot records an object's default repr without its address (as in
    # "<httpx._client.UseClientDefault object at 0x...>").
    actual = [
        (n, a, None if d is None else re.sub(r" object at 0x[0-9a-fA-F]+>", ">", d))
        for n, a, d in _parse_params(str(signature))
    ]
    expected = _parse_params(expected_sig)
    assert [p[0] for p in actual] == [p[0] for p in expected], name
    assert [p[2] for p in actual] == [p[2] for p in expected], name
    if name.split(".")[0] in EXACT_ANNOTATIONS:
        for (param, annotation, _), (_, recorded, _) in zip(actual, expected, strict=True):
            widened = WIDENED_ANNOTATIONS.get((name, param))
            if widened is not None:
                assert (recorded, annotation) == widened, (name, param)
            else:
                assert annotation == recorded, (name, param)


@pytest.mark.parametrize("name", sorted(MEMBERS))
def test_signatures_match_snapshot(name: str) -> None:
    member = MEMBERS[name]
    value = getattr(httpx, name)
    if name == "main" and not inspect.isfunction(value):
        # The snapshot was recorded without the `cli` extra, where `main` is a plain
        # function; with click installed (as here, and in httpx 0.28) it is a click
        # command, which `CliRunner().invoke(httpx.main, ...)` relies on.
        import click

        assert isinstance(value, click.Command)
        return
    if member["kind"] == "function":
        _compare(name, value, member["sig"])
        assert inspect.iscoroutinefunction(value) == member["async"]
        return
    if member["kind"] not in ("class", "exception"):
        return
    if member.get("init"):
        _compare(f"{name}.__init__", value.__init__, member["init"])
    for method_name, method in (member.get("methods") or {}).items():
        ours = getattr(value, method_name)
        _compare(f"{name}.{method_name}", ours, method["sig"])
        is_async = inspect.iscoroutinefunction(ours) or inspect.isasyncgenfunction(ours)
        assert is_async == method["async"], f"{name}.{method_name}"
    for prop in member.get("properties") or []:
        prop_name, settable = prop.split(" ")[0], prop.endswith("(settable)")
        attr = inspect.getattr_static(value, prop_name)
        if isinstance(attr, property):
            assert (attr.fset is not None) == settable, f"{name}.{prop_name}"
    bases = [base.__name__ for base in value.__mro__[1:]]
    for base in member.get("bases") or []:
        assert base in bases, f"{name} should derive from {base}"


def test_codes_snapshot() -> None:
    for code_name, value in SNAPSHOT["codes"].items():
        assert httpx.codes[code_name] == value
        assert getattr(httpx.codes, code_name.lower()) == value
    assert len(httpx.codes) == len(SNAPSHOT["codes"])


def test_sync_and_async_clients_agree() -> None:
    # Every public method of Client has an AsyncClient twin with the same parameters.
    twins = {"close": "aclose", "__enter__": "__aenter__", "__exit__": "__aexit__"}
    methods = ["request", "stream", "send", "build_request", *twins, "get", "post", "query", "sse"]
    for method_name in methods:
        sync_method = getattr(httpx.Client, method_name)
        async_method = getattr(httpx.AsyncClient, twins.get(method_name, method_name))
        sync_params = list(inspect.signature(sync_method).parameters.values())
        async_params = list(inspect.signature(async_method).parameters.values())
        assert [(p.name, p.default) for p in sync_params] == [
            (p.name, p.default) for p in async_params
        ], method_name
    verbs = [
        "get",
        "options",
        "head",
        "post",
        "put",
        "patch",
        "delete",
        "query",
        "request",
        "send",
    ]
    for verb in verbs:
        assert inspect.iscoroutinefunction(getattr(httpx.AsyncClient, verb)), verb
        assert not inspect.iscoroutinefunction(getattr(httpx.Client, verb)), verb


@pytest.mark.parametrize("client_class", [httpx.Client, httpx.AsyncClient])
def test_methods_read_as_the_clients_own(client_class: type[httpx.Client]) -> None:
    # The verbs live in a base class of their own (_async_verbs.py); like the rest they
    # read as `Client.get`, in reprs and in Python's argument errors, as in httpx.
    name = client_class.__name__
    for verb in ["get", "options", "head", "post", "put", "patch", "delete", "query"]:
        method = getattr(client_class, verb)
        assert method.__qualname__ == f"{name}.{verb}"
        assert f"function {name}.{verb} at" in repr(method)
    message = f"{name}.get() got an unexpected keyword argument 'content'"
    if sys.version_info < (3, 11):  # Python 3.10 names the function only: "get()"
        message = "get() got an unexpected keyword argument 'content'"
    with pytest.raises(TypeError) as raised:
        # (Arguments are bound before the body runs: no client is needed.)
        client_class.get(None, "https://example.org", content=b"")  # type: ignore[arg-type,call-arg]
    assert str(raised.value) == message


def test_private_names_libraries_reach_for() -> None:
    import httpx._client as client_module
    import httpx._config as config_module
    import httpx._content as content_module
    import httpx._models as models_module
    import httpx._multipart as multipart_module
    import httpx._transports.default as default_module
    import httpx._types as types_module
    import httpx._urls as urls_module
    import httpx._utils as utils_module

    for name in [
        "Client",
        "AsyncClient",
        "BaseClient",
        "USE_CLIENT_DEFAULT",
        "UseClientDefault",
        "ClientState",
        "EventHook",
    ]:
        assert hasattr(client_module, name), name
    for name in ["_transport_for_url", "_merge_url", "_init_transport", "_init_proxy_transport"]:
        assert hasattr(httpx.Client, name) and hasattr(httpx.AsyncClient, name), name
    for name in [
        "URLTypes",
        "QueryParamTypes",
        "HeaderTypes",
        "CookieTypes",
        "AuthTypes",
        "TimeoutTypes",
        "RequestContent",
        "RequestData",
        "RequestFiles",
        "RequestExtensions",
        "ProxyTypes",
        "CertTypes",
        "SyncByteStream",
        "AsyncByteStream",
    ]:
        assert hasattr(types_module, name), name
    for name in ["DEFAULT_TIMEOUT_CONFIG", "DEFAULT_LIMITS", "DEFAULT_MAX_REDIRECTS"]:
        assert hasattr(config_module, name), name
    assert callable(config_module.create_ssl_context)
    for name in ["IteratorByteStream", "AsyncIteratorByteStream", "ByteStream"]:
        assert hasattr(content_module, name), name
    assert hasattr(multipart_module, "MultipartStream")
    for name in [
        "HTTPTransport",
        "AsyncHTTPTransport",
        "ResponseStream",
        "map_httpcore_exceptions",
    ]:
        assert hasattr(default_module, name), name
    for name in [
        "URLPattern",
        "get_environment_proxies",
        "primitive_value_to_str",
        "to_bytes",
        "to_str",
    ]:
        assert hasattr(utils_module, name), name
    for name in ["Request", "Response", "Headers", "Cookies"]:
        assert hasattr(models_module, name), name
    assert hasattr(urls_module, "URL")
    assert httpx.URL("https://example.com/a?b=c")._uri_reference.path == "/a"


# --- WebSockets: ours, beyond httpx 0.28 ------------------------------------------------------

WEBSOCKET_NAMES = [
    "AsyncWebSocketSession",
    "WebSocketDisconnect",
    "WebSocketError",
    "WebSocketInvalidTypeReceived",
    "WebSocketMessageTooLarge",
    "WebSocketNetworkError",
    "WebSocketPingTimeout",
    "WebSocketProtocolError",
    "WebSocketSession",
    "WebSocketUpgradeError",
    "websocket",
]


def test_websocket_errors_share_one_base() -> None:
    for name in WEBSOCKET_NAMES:
        value = getattr(httpx, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, httpx.WebSocketError), name
    assert issubclass(httpx.WebSocketError, httpx.HTTPError)


def test_websocket_signatures() -> None:
    expected = [
        ("url", inspect.Parameter.empty),
        ("max_message_size_bytes", 65_536),
        ("queue_size", 512),
        ("keepalive_ping_interval_seconds", 20.0),
        ("keepalive_ping_timeout_seconds", 20.0),
        ("subprotocols", None),
        ("params", None),
        ("headers", None),
        ("cookies", None),
        ("auth", httpx.USE_CLIENT_DEFAULT),
        ("follow_redirects", httpx.USE_CLIENT_DEFAULT),
        ("timeout", httpx.USE_CLIENT_DEFAULT),
        ("extensions", None),
    ]
    for client_class in (httpx.Client, httpx.AsyncClient):
        parameters = list(inspect.signature(client_class.websocket).parameters.values())[1:]
        assert [(p.name, p.default) for p in parameters] == expected, client_class
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[1:])
    session_methods = [
        "send_text",
        "send_bytes",
        "send_json",
        "receive",
        "receive_text",
        "receive_bytes",
        "receive_json",
        "ping",
        "close",
    ]
    for name in session_methods:
        sync_method = getattr(httpx.WebSocketSession, name)
        async_method = getattr(httpx.AsyncWebSocketSession, name)
        assert not inspect.iscoroutinefunction(sync_method), name
        assert inspect.iscoroutinefunction(async_method), name
        sync_params = [
            (p.name, p.default) for p in inspect.signature(sync_method).parameters.values()
        ]
        async_params = [
            (p.name, p.default) for p in inspect.signature(async_method).parameters.values()
        ]
        assert sync_params == async_params, name
    close = inspect.signature(httpx.WebSocketSession.close).parameters
    assert (close["code"].default, close["reason"].default) == (1000, None)
