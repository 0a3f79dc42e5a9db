"""Serve the documentation's example server locally: `python -m examples.serve`.

    .venv/bin/python -m examples.serve

serves `examples.httpbin_app` (the routes every example in docs/ uses) on

- http://127.0.0.1:8000 — plain HTTP/1.1 (uvicorn): nearly all the examples;
- https://localhost:8443 — TLS, HTTP/2 and HTTP/1.1 (hypercorn): the TLS and HTTP/2
  examples. Its certificate comes from a local certificate authority made on first use
  (with trustme) and kept in `.cache/examples/`; point `SSL_CERT_FILE` at the printed
  `ca.pem` so that httpx trusts it.

Ctrl-C stops both. `--http-port` and `--https-port` move them if those ports are taken
(the docs assume the defaults). Needs the development environment (`scripts/install`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

import trustme
import uvicorn
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config as HypercornConfig

from examples.httpbin_app import app

HTTP_URL = "http://127.0.0.1:8000"
HTTPS_URL = "https://localhost:8443"
CERTIFICATES = Path(__file__).resolve().parents[1] / ".cache" / "examples"


def certificate_files(directory: Path = CERTIFICATES) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate chain, server key) for localhost, made once.

    Reused across runs so that an exported SSL_CERT_FILE stays valid."""
    ca_file, cert_file, key_file = (
        directory / name for name in ("ca.pem", "localhost.pem", "localhost.key")
    )
    if not all(path.exists() for path in (ca_file, cert_file, key_file)):
        directory.mkdir(parents=True, exist_ok=True)
        authority = trustme.CA(organization_name="httpx examples")
        leaf = authority.issue_cert("localhost", "127.0.0.1", "::1")
        cert_file.unlink(missing_ok=True)
        for blob in leaf.cert_chain_pems:
            blob.write_to_path(str(cert_file), append=True)
        leaf.private_key_pem.write_to_path(str(key_file))
        authority.cert_pem.write_to_path(str(ca_file))  # last: it marks the set complete
    return ca_file, cert_file, key_file


async def serve(http_port: int, https_port: int) -> None:
    ca_file, cert_file, key_file = certificate_files()
    plain = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=http_port, lifespan="off", log_level="info")
    )
    tls = HypercornConfig()
    tls.bind = [f"localhost:{https_port}"]
    tls.certfile, tls.keyfile = str(cert_file), str(key_file)
    tls.alpn_protocols = ["h2", "http/1.1"]
    tls.accesslog = "-"
    print(f"HTTP:  http://127.0.0.1:{http_port}", flush=True)
    print(f"HTTPS: https://localhost:{https_port} (HTTP/2 too); to trust it:", flush=True)
    print(f"       export SSL_CERT_FILE={ca_file}", flush=True)
    stop = asyncio.Event()
    secure = asyncio.create_task(hypercorn_serve(app, tls, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
    try:
        await plain.serve()  # until Ctrl-C (uvicorn handles the signal)
    finally:
        stop.set()
        await secure


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--http-port", type=int, default=8000)
    parser.add_argument("--https-port", type=int, default=8443)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.http_port, args.https_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
