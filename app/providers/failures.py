"""Turn SDK and transport exceptions into Primer's known failures, in plain words."""

from __future__ import annotations

from domain.errors import (
    AuthenticationFailed,
    NetworkFailure,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)


def from_status(status: int | None, label: str, detail: str = "") -> ProviderError:
    """One mapping from an HTTP status to a message, shared by every provider."""
    said = f" The server said: {detail}" if detail else ""
    if status in (401, 403):
        return AuthenticationFailed(f"{label} rejected the API key.{said}")
    if status == 429:
        return RateLimited(
            f"{label} is rate-limiting requests or the account is out of quota. "
            f"Wait a moment, then Retry.{said}"
        )
    if status == 404:
        return RequestRejected(f"{label} does not know that model. Pick another model.{said}")
    if status is not None and status >= 500:
        return ProviderUnavailable(f"{label} had a server error ({status}). Retry in a moment.")
    if status is not None and 400 <= status < 500:
        return RequestRejected(f"{label} refused the request ({status}).{said}")
    return ProviderError(f"{label} failed.{said}")


def timeout(label: str) -> ProviderTimeout:
    return ProviderTimeout(f"{label} did not answer in time. Retry, or check that it is running.")


def network(label: str, base_url: str) -> NetworkFailure:
    where = f" at {base_url}" if base_url else ""
    return NetworkFailure(
        f"Could not reach {label}{where}. Check your network connection "
        "(or that the local server is running), then Retry."
    )


def short(text: object, limit: int = 300) -> str:
    words = " ".join(str(text).split())
    return words if len(words) <= limit else words[: limit - 1] + "…"


def listing_failed(label: str, error: Exception, mapped: ProviderError | None) -> ProviderError:
    """Listing models is a convenience: any odd answer falls back, with a reason."""
    if mapped is not None:
        return mapped
    return ProviderError(f"{label} could not list its models ({type(error).__name__}).")


def embedding_failed(label: str, error: Exception, mapped: ProviderError | None) -> ProviderError:
    if mapped is not None:
        return mapped
    return ProviderError(f"{label} could not turn text into vectors ({short(error)}).")
