"""Tests of the transports (httpx/_transports/): the transport API modules (default,
asgi, wsgi, mock, base), the httpcore seam and the generated sync twins; one subpackage
per layer below them, as in the package (pool/, network/, http11/, http2/)."""
