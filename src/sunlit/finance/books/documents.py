"""The documents behind journal entries (凭证附件), for drill-down from any total to its proof.

An entry is posted by one source (a billing run, a payment, an expense, a fund use ...), and
that source knows its documents: a receipt image, a PDF e-receipt, a vote's result page. Each
source module registers one *resolver*, which is given the ids of many entries at once and
returns the documents of those it knows, so the 阳光账本 drill-down asks once per page, not
once per entry::

    from sunlit.finance.books import documents

    @documents.resolver
    def _expense_receipts(entry_ids):
        ...
        return {entry_id: [documents.EntryDocument(...), ...], ...}

Resolvers must only read, must keep to the entries they are given, and must not assume that
the caller may see more than the entry itself: the page shows what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["EntryDocument", "documents_for", "resolver"]


@dataclass(frozen=True)
class EntryDocument:
    """One document behind an entry: what it is, where to read it, and its hash when stored."""

    label: str
    url: str
    kind: str = ""
    sha256: str = ""


Resolver = Callable[[Sequence[int]], Mapping[int, Sequence[EntryDocument]]]

_resolvers: list[Resolver] = []


def resolver(fn: Resolver) -> Resolver:
    """Register ``fn`` (once, whatever the number of imports) and return it unchanged."""
    if fn not in _resolvers:
        _resolvers.append(fn)
    return fn


def documents_for(entry_ids: Iterable[int]) -> dict[int, list[EntryDocument]]:
    """Every registered source's documents for these entries, in registration order."""
    ids = sorted(set(entry_ids))
    found: dict[int, list[EntryDocument]] = {}
    if not ids:
        return found
    for fn in _resolvers:
        for entry_id, docs in fn(ids).items():
            if entry_id in ids and docs:
                found.setdefault(entry_id, []).extend(docs)
    return found
