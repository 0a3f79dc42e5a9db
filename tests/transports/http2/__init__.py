"""Tests of HTTP/2 connections (httpx/_transports/http2/), which drive h2, and of the h2
seam."""
