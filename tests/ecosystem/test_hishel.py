"""hishel (installed with --no-deps) caches responses on top of our clients.

Its CacheClient/AsyncCacheClient subclass our clients and override `_init_transport` /
`_init_proxy_transport` with httpx 0.28's keyword arguments, wrapping our
HTTPTransport in a CacheTransport; its RFC 9111 mode reassigns `request.headers` to add
validators, and re-streams stored bodies through `httpx.SyncByteStream`/`AsyncByteStream`.
The server (tests/ecosystem/apps.py) counts its hits, so "served from cache" is measured.
"""

from __future__ import annotations

import typing
from pathlib import Path

import hishel
import pytest
from hishel.httpx import AsyncCacheClient, AsyncCacheTransport, CacheClient, CacheTransport

import httpx
from tests.ecosystem.conftest import EcosystemServer


def storage(tmp_path: Path) -> hishel.SqliteStorage:
    return hishel.SqliteStorage(database_path=tmp_path / "cache.db")


def async_storage(tmp_path: Path) -> hishel.AsyncSqliteStorage:
    return hishel.AsyncSqliteStorage(database_path=tmp_path / "cache.db")


def caching(response: httpx.Response) -> hishel.CacheStatus:
    return typing.cast(hishel.CacheStatus, response.extensions["caching"])


def test_second_request_is_served_from_cache(
    ecosystem_server: EcosystemServer, tmp_path: Path
) -> None:
    url = ecosystem_server.url_for("/cache/plain")
    with CacheClient(storage=storage(tmp_path)) as client:
        first = client.get(url)
        second = client.get(url)
    assert first.text == second.text == "plain #1"
    assert not caching(first)["from_cache"] and caching(first)["stored"]
    assert caching(second)["from_cache"]
    assert second.headers["cache-control"] == "max-age=60"
    assert ecosystem_server.state.hits["cache:plain"] == 1


def test_rfc_mode_caches_fresh_responses(
    ecosystem_server: EcosystemServer, tmp_path: Path
) -> None:
    url = ecosystem_server.url_for("/cache/fresh?cc=max-age%3D60")
    with CacheClient(storage=storage(tmp_path), rfc=True) as client:
        assert [client.get(url).text for _ in range(3)] == ["fresh #1"] * 3
    assert ecosystem_server.state.hits["cache:fresh"] == 1


def test_rfc_mode_respects_no_store(ecosystem_server: EcosystemServer, tmp_path: Path) -> None:
    url = ecosystem_server.url_for("/cache/secret?cc=no-store")
    with CacheClient(storage=storage(tmp_path), rfc=True) as client:
        first, second = client.get(url), client.get(url)
    assert (first.text, second.text) == ("secret #1", "secret #2")
    assert not caching(first)["stored"] and not caching(second)["from_cache"]
    assert ecosystem_server.state.hits["cache:secret"] == 2


def test_rfc_mode_revalidates_with_the_etag(
    ecosystem_server: EcosystemServer, tmp_path: Path
) -> None:
    # no-cache: stored, but every use is revalidated (RFC 9111 section 5.2.2.4); the server
    # answers the conditional request with 304 and the stored body is served.
    url = ecosystem_server.url_for("/cache/tagged?cc=no-cache&etag=1")
    with CacheClient(storage=storage(tmp_path), rfc=True, headers={"X-Kept": "yes"}) as client:
        first = client.get(url)
        second = client.get(url)
    assert first.text == second.text == "tagged #1"
    assert second.status_code == 200
    assert caching(second)["revalidated"] and caching(second)["from_cache"]
    first_seen, second_seen = ecosystem_server.state.headers
    assert "if-none-match" not in first_seen
    assert second_seen["if-none-match"] == '"tagged-v1"'
    assert second_seen["x-kept"] == "yes"
    # The validator was added for the send only: the request the caller sees is unchanged.
    assert "if-none-match" not in second.request.headers


def test_post_is_not_cached(ecosystem_server: EcosystemServer, tmp_path: Path) -> None:
    url = ecosystem_server.url_for("/cache/posted")
    with CacheClient(storage=storage(tmp_path)) as client:
        client.post(url, content=b"a")
        response = client.post(url, content=b"a")
    assert response.text == "posted #2"
    assert not caching(response)["stored"]
    assert ecosystem_server.state.hits["cache:posted"] == 2


def test_streamed_cached_body(ecosystem_server: EcosystemServer, tmp_path: Path) -> None:
    url = ecosystem_server.url_for("/cache/streamed")
    with CacheClient(storage=storage(tmp_path)) as client:
        with client.stream("GET", url) as response:
            assert b"".join(response.iter_bytes()) == b"streamed #1"
        with client.stream("GET", url) as response:
            assert caching(response)["from_cache"]
            assert response.read() == b"streamed #1"
    assert ecosystem_server.state.hits["cache:streamed"] == 1


def test_cache_transport_wrapping_our_transport(
    ecosystem_server: EcosystemServer, tmp_path: Path
) -> None:
    transport = CacheTransport(next_transport=httpx.HTTPTransport(), storage=storage(tmp_path))
    with httpx.Client(transport=transport) as client:
        client.get(ecosystem_server.url_for("/cache/wrapped"))
        assert caching(client.get(ecosystem_server.url_for("/cache/wrapped")))["from_cache"]
    assert ecosystem_server.state.hits["cache:wrapped"] == 1


def test_cache_client_through_a_proxy_uses_init_proxy_transport(
    ecosystem_server: EcosystemServer, http_proxy: typing.Any, tmp_path: Path
) -> None:
    before = http_proxy.stats.forwarded
    url = ecosystem_server.url_for("/cache/proxied")
    with CacheClient(storage=storage(tmp_path), proxy=http_proxy.url) as client:
        transport = client._transport_for_url(httpx.URL(url))
        assert isinstance(transport, CacheTransport)
        assert client.get(url).text == client.get(url).text == "proxied #1"
    assert http_proxy.stats.forwarded - before == 1
    assert ecosystem_server.state.hits["cache:proxied"] == 1


@pytest.mark.anyio
async def test_async_second_request_is_served_from_cache(
    ecosystem_server: EcosystemServer, tmp_path: Path
) -> None:
    url = ecosystem_server.url_for("/cache/async")
    async with AsyncCacheClient(storage=async_storage(tmp_path)) as client:
        first = await client.get(url)
        second = await client.get(url)
    assert first.text == second.text == "async #1"
    assert caching(second)["from_cache"]
    assert ecosystem_server.state.hits["cache:async"] == 1


@pytest.mark.anyio
async def test_async_rfc_mode_respects_no_store_and_revalidates(
    ecosystem_server: EcosystemServer, tmp_path: Path
) -> None:
    async with AsyncCacheClient(storage=async_storage(tmp_path), rfc=True) as client:
        no_store = ecosystem_server.url_for("/cache/async-secret?cc=no-store")
        assert [(await client.get(no_store)).text for _ in range(2)] == [
            "async-secret #1",
            "async-secret #2",
        ]
        tagged = ecosystem_server.url_for("/cache/async-tagged?cc=no-cache&etag=1")
        await client.get(tagged)
        async with client.stream("GET", tagged) as response:
            assert await response.aread() == b"async-tagged #1"
            assert caching(response)["revalidated"]
    assert ecosystem_server.state.hits["cache:async-tagged"] == 2


@pytest.mark.anyio
async def test_async_cache_transport(ecosystem_server: EcosystemServer, tmp_path: Path) -> None:
    transport = AsyncCacheTransport(
        next_transport=httpx.AsyncHTTPTransport(), storage=async_storage(tmp_path)
    )
    async with httpx.AsyncClient(transport=transport) as client:
        await client.get(ecosystem_server.url_for("/cache/async-wrapped"))
        response = await client.get(ecosystem_server.url_for("/cache/async-wrapped"))
    assert caching(response)["from_cache"]
    assert ecosystem_server.state.hits["cache:async-wrapped"] == 1
