"""What a helpdesk module provides (`Vendor`), and how to find the one for a source name:
reading a page of its export into items (files and sync alike), and for a live sync its
client, its streams (each a cursor and a way to fetch the page that follows it) and the names
to fetch before them. kpi_engine/ingest/zendesk.py and freshdesk.py are the vendors.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kpi_engine.errors import UserError
from kpi_engine.ingest.helpdesk.files import BadItem, Page
from kpi_engine.ingest.helpdesk.http import HelpdeskClient
from kpi_engine.ingest.helpdesk.items import MappedRating, MappedTicket, People, Removal

VENDOR_MODULES = {"zendesk": "kpi_engine.ingest.zendesk",
                  "freshdesk": "kpi_engine.ingest.freshdesk"}
SOURCES = tuple(VENDOR_MODULES)

Item = MappedTicket | Removal | MappedRating | BadItem


@dataclass(frozen=True)
class Fetched:
    """One page fetched from a stream, the cursor that follows it, whether the stream is done
    (nothing newer to fetch now)."""

    page: Page
    cursor: dict[str, Any]
    done: bool


class Stream:
    """One thing a sync pulls page by page (tickets, ratings), resumable from a cursor."""

    name = ""

    def start(self) -> dict[str, Any]:
        """The cursor of a first sync."""
        raise NotImplementedError

    def fetch(self, client: HelpdeskClient, cursor: dict[str, Any]) -> Fetched:
        raise NotImplementedError


class Vendor:
    """One helpdesk: its source name, its label, how its pages read, how it syncs."""

    source = ""
    label = ""
    # Where its API is: the setting of a whole base URL (a proxy, a test's double), else the
    # setting of the account's name on the helpdesk's own `domain` (".zendesk.com").
    url_setting = ""
    site_setting = ""
    domain = ""
    refused_hint = ""  # what to check when the API refuses the credentials

    def __init__(self, settings) -> None:
        self.settings = settings

    def read_page(self, page: Page, people: People) -> Iterator[Item]:
        """The items of one page of the export, in order; a BadItem for what is not taken."""
        raise NotImplementedError

    # -- live sync ------------------------------------------------------------------------------

    @staticmethod
    def missing(settings) -> list[str]:
        """The settings a sync needs that `settings` lacks."""
        raise NotImplementedError

    def missing_settings(self) -> list[str]:
        return self.missing(self.settings)

    @property
    def base_url(self) -> str:
        url = getattr(self.settings, self.url_setting)
        if url:
            return url.rstrip("/")
        site = getattr(self.settings, self.site_setting).strip().removesuffix(self.domain)
        return f"https://{site}{self.domain}"

    def credentials(self) -> tuple[str, str]:
        """The API's basic-auth user and password, from the settings."""
        raise NotImplementedError

    def client(self, *, sleep: Callable[[float], None] | None = None, backoff: float = 1.0,
               transport=None) -> HelpdeskClient:
        """The HTTP client of its API (`sleep` and `transport` for tests)."""
        extra = {"sleep": sleep} if sleep is not None else {}
        return HelpdeskClient(self.label, self.base_url, self.credentials(),
                              refused_hint=self.refused_hint, backoff=backoff,
                              transport=transport, **extra)

    def prelude(self, client: HelpdeskClient, people: People) -> None:
        """Fetch what pages name by id and do not carry (Freshdesk's agents and groups)."""

    def streams(self) -> list[Stream]:
        raise NotImplementedError


def vendor_class(source: str) -> type[Vendor]:
    """The vendor class of `source` ("zendesk", "freshdesk")."""
    module = VENDOR_MODULES.get(source)
    if module is None:
        raise UserError(f"unknown helpdesk {source!r}: kpibot reads {', '.join(SOURCES)}",
                        list(SOURCES))
    return importlib.import_module(module).VENDOR


def vendor_for(source: str, settings) -> Vendor:
    """The vendor of `source` ("zendesk", "freshdesk"), built for `settings`."""
    return vendor_class(source)(settings)
