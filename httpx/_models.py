"""`Request` and `Response`: the messages passed between clients and transports.

Each lives in its own module (`_request`, `_response`); `Headers` and `Cookies` in
theirs. All four are re-exported here, where code written against httpx 0.28 imports
them from.
"""

from __future__ import annotations

from ._cookies import Cookies
from ._headers import Headers
from ._request import MAX_DECODED_SIZE_EXTENSION, Request
from ._response import Response

__all__ = ["MAX_DECODED_SIZE_EXTENSION", "Cookies", "Headers", "Request", "Response"]
