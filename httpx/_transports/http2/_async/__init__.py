"""The async HTTP/2 connection (asyncio and trio), written by hand."""
