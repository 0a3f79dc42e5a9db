"""Tests of HTTP/1.1 connections (httpx/_transports/http11/): the request writer, the h11
and httptools response engines and the connection on real sockets."""
