"""The operating system's trust store, as an opt-in (the `truststore` extra).

By default httpx verifies servers against certifi's CA bundle (or the files named by
``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when `trust_env`), and so do we. Corporate
networks, private CAs installed by an administrator and revoked roots tracked by the
OS are only seen by the operating system's store: truststore (Windows' CryptoAPI,
macOS' Security framework, OpenSSL's system paths on Linux) verifies against it.

Two ways in, both explicit:

* ``verify=httpx.system_trust_store()``: an `ssl.SSLContext` (truststore's) for one
  client or transport. A function returning a context rather than a new ``verify``
  value, because every value of ``verify`` already has a meaning in httpx: a string
  is a path to a CA bundle (``verify="system"`` would look for a file named "system"),
  and a new sentinel object would not fit the ``ssl.SSLContext | str | bool``
  signature that code written for httpx 0.28 (and type checkers) rely on.
* ``HTTPX_TRUST_STORE=system`` in the environment switches every client and transport
  with the default ``verify=True`` and ``trust_env=True`` over, without a code change
  (``certifi`` or empty: the default). An explicit ``verify=`` (False, a context, a
  path) is never overridden, and ``trust_env=False`` ignores the variable, as it
  ignores ``SSL_CERT_FILE``.

truststore is imported only when one of these is used; without it installed, they
raise `ImportError` naming the extra (``pip install httpx[truststore]``).
"""

from __future__ import annotations

import os
import ssl

__all__ = ["TRUST_STORE_VARIABLE", "system_trust_store", "trust_store_from_env"]

TRUST_STORE_VARIABLE = "HTTPX_TRUST_STORE"
_CHOICES = ("system", "certifi")


def system_trust_store() -> ssl.SSLContext:
    """A new `ssl.SSLContext` that verifies servers against the operating system's trust
    store (truststore's), for ``verify=``: ``httpx.Client(verify=httpx.system_trust_store())``.

    The context belongs to the caller (load a client certificate into it, or change its
    settings, as with any context). Needs the `truststore` extra.
    """
    try:
        import truststore
    except ImportError:
        raise ImportError(
            "The operating system's trust store needs the 'truststore' package. "
            "Make sure to install httpx using `pip install httpx[truststore]`."
        ) from None
    context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return context


def trust_store_from_env() -> str | None:
    """The store ``HTTPX_TRUST_STORE`` asks for: "system", or None for the default.

    Read when a client's TLS context is built (with `trust_env` and the default
    ``verify=True`` only); a value other than "system", "certifi" or empty is refused
    with `ValueError`, rather than silently verifying against another store than meant.
    """
    value = os.environ.get(TRUST_STORE_VARIABLE, "").strip().lower()
    if not value or value == "certifi":
        return None
    if value not in _CHOICES:
        raise ValueError(
            f"{TRUST_STORE_VARIABLE} must be 'system' or 'certifi' (or unset), not "
            f"{os.environ[TRUST_STORE_VARIABLE]!r}"
        )
    return value
