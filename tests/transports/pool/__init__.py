"""Tests of the connection pools (httpx/_transports/pool/): queueing, limits, reuse,
stale connections, cancellation and reclaiming dropped responses."""
