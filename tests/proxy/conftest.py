"""The proxy tests use the driver-journey site."""

from tests.stays.conftest import live_site, site

__all__ = ["live_site", "site"]
