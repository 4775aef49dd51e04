"""What the OpenAI and Gemini providers share: how they are set up, and their limits."""

from __future__ import annotations

import threading
from typing import Any

from domain.errors import PrimerError
from domain.ports import SentFile

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 120.0
LENGTH_NOTICE = "The reply stopped at the model's length limit."


def file_bytes(sent: SentFile) -> bytes:
    """An attachment's bytes, read when its request is made."""
    try:
        with open(sent.path, "rb") as stream:
            return stream.read()
    except OSError as error:
        raise PrimerError(
            f"“{sent.attachment.name}” could not be read from Primer's data folder "
            f"({error.strerror}); attach it again."
        ) from None


class SdkProvider:
    """A label for messages, the key, the URL, the read timeout, and the SDK's client,
    made on first use (importing an SDK costs more than the rest of a provider)."""

    def __init__(
        self,
        *,
        label: str,
        api_key: str | None,
        base_url: str = "",
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.label = label
        self._api_key = api_key
        self._base_url = base_url
        self._read_timeout = read_timeout
        self._client_instance: Any = None
        self._making_client = threading.Lock()

    def _client(self) -> Any:
        """The SDK's client, made once: a reply and a model listing may ask at once."""
        with self._making_client:
            if self._client_instance is None:
                self._client_instance = self._make_client()
            return self._client_instance

    def _make_client(self) -> Any:
        raise NotImplementedError
