"""What a SCIM server says it supports (/ServiceProviderConfig, RFC 7643 section 5), read once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.errors import ConnectorError


@dataclass(frozen=True)
class ProviderSupport:
    """The features grouppush asks the server about; what it cannot read is assumed as RFC
    7644 requires of every server (filter and patch are optional, but most support them)."""

    filter: bool = True
    patch: bool = True
    bulk: bool = False
    etag: bool = False
    max_results: int | None = None

    def page_size(self, wanted: int) -> int:
        """A page size the server will honour."""
        return min(wanted, self.max_results) if self.max_results else wanted


def read_support(request: Any, base: str) -> ProviderSupport:
    """GET /ServiceProviderConfig; a server without it (or with an answer that does not parse)
    is taken to support what RFC 7644 servers usually do."""
    from scim2_models import ServiceProviderConfig  # loaded when an app is first used

    try:
        body = request("GET", f"{base}/ServiceProviderConfig",
                       what="reading what the server supports").json()
        config = ServiceProviderConfig.model_validate(body)
    except (ConnectorError, ValueError):
        return ProviderSupport()

    def supported(feature: Any, default: bool) -> bool:
        value = getattr(feature, "supported", None)
        return default if value is None else bool(value)

    max_results = getattr(config.filter, "max_results", None)
    return ProviderSupport(
        filter=supported(config.filter, True), patch=supported(config.patch, True),
        bulk=supported(config.bulk, False), etag=supported(config.etag, False),
        max_results=int(max_results) if max_results else None,
    )
