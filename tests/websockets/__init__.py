"""Tests of WebSocket sessions (httpx/_ws/ and httpx/_transports/asgi_websocket.py)."""
