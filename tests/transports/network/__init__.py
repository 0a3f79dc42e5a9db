"""Tests of the network layer (httpx/_transports/network/): the connect step, name
resolution and the network backends."""
