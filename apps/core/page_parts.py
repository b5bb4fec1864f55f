"""Parts of a page that an app higher in the layers adds to a page of a lower one.

A page is served by the app that owns its data (a mirror's page by mirrors, a sponsor's by
sponsors); what an app above knows of it (what the delivery snapshot answers of a mirror,
the answers counted for a sponsor's countries, its partner entry) comes as a part that app
registers in its AppConfig.ready(), so the lower app never imports the upper one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

_parts: dict[str, list[Callable[..., dict]]] = defaultdict(list)


def page_part_register(page: str, part: Callable[..., dict]) -> None:
    """Add `part(**what the page passes)` -> a dict merged into the page's context."""
    if part not in _parts[page]:
        _parts[page].append(part)


def page_parts(page: str, **kwargs) -> dict:
    """The context the registered parts of `page` add, in the order they were registered."""
    context: dict = {}
    for part in _parts[page]:
        context.update(part(**kwargs))
    return context
