"""Real servers (HTTP/1.1, TLS + HTTP/2, proxies, fault injection) for the test-suite."""
