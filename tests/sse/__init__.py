"""Tests of server-sent events (httpx/_sse/): the parser, the clients' `sse()` and the
reconnecting reader."""
