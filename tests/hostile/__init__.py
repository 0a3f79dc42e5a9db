"""Hostile-server tests: a scripted raw server plays exact HTTP/1.1 bytes and hand-built
HTTP/2 frames at the public clients (`httpx.Client`, `httpx.AsyncClient` on asyncio and
trio), and every case must end in correct data or a documented httpx exception, within
its timeout, in bounded memory, with the client still usable afterwards."""
