"""The registry of entry documents: batched, deduplicated, limited to the asked entries."""

from sunlit.finance.books import documents


def test_resolvers_are_batched_and_limited_to_the_asked_entries(monkeypatch):
    monkeypatch.setattr(documents, "_resolvers", [])
    calls = []

    @documents.resolver
    def receipts(ids):
        calls.append(list(ids))
        return {ids[0]: [documents.EntryDocument("收据", "/r/1", "receipt", "ab" * 32)], 999: [
            documents.EntryDocument("别人的", "/x")]}

    documents.resolver(receipts)  # registering twice keeps one
    found = documents.documents_for([3, 2, 3])
    assert calls == [[2, 3]]
    assert list(found) == [2]
    assert found[2][0].label == "收据"
    assert documents.documents_for([]) == {}
