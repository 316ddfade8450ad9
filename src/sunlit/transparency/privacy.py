"""Free text on the log, masked as the board masks it (docs/security.md, "A household's facts").

Every public field of kind ``masked_text`` goes through a ``LogMasker`` bound to the community
before it is written: ID and phone numbers, e-mail addresses, plates, unit numbers in any of the
usual spellings and the community's own unit labels (楼栋-2单元-1502, whatever the building is
called), and the names on its roster (as 张*三) — see ``core.masking.mask_text``. Text with
nothing to hide is written exactly as given (not even full-width letters are changed).

The roster is not loaded as a whole for every event: the names looked up are the substrings of
the text that could be a name (2–6 characters of CJK or letters), in one indexed query.
"""

from __future__ import annotations

import re

from sunlit.core.masking import mask_text, normalize

_NAME_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff·]{2,}")
MAX_CANDIDATES = 3000


def _candidates(text: str) -> set[str]:
    found: set[str] = set()
    for run in _NAME_RUN.findall(text):
        for length in range(2, 7):
            for start in range(0, len(run) - length + 1):
                found.add(run[start:start + length])
    return found


class LogMasker:
    """Masks the free text of one community's events (a callable: text → public text)."""

    def __init__(self, community) -> None:
        self.community_id = getattr(community, "pk", community)
        self._buildings: tuple[str, ...] | None = None
        self._done: dict[str, str] = {}

    @property
    def buildings(self) -> tuple[str, ...]:
        if self._buildings is None:
            from sunlit.registry.models import Building

            self._buildings = tuple(Building.objects.filter(community_id=self.community_id)
                                    .values_list("name", flat=True))
        return self._buildings

    def names_in(self, text: str) -> tuple[str, ...]:
        """The roster names (natural persons) that occur in ``text``."""
        from sunlit.core.choices import PersonKind
        from sunlit.core.models import Person

        persons = Person.objects.filter(community_id=self.community_id, kind=PersonKind.NATURAL)
        candidates = _candidates(text)
        if not candidates:
            return ()
        if len(candidates) > MAX_CANDIDATES:
            return tuple(sorted(set(persons.values_list("name", flat=True))))
        found: set[str] = set()
        ordered = sorted(candidates)
        for start in range(0, len(ordered), 500):
            found.update(persons.filter(name__in=ordered[start:start + 500])
                         .values_list("name", flat=True))
        return tuple(sorted(found))

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if text not in self._done:
            masked = mask_text(text, names=self.names_in(text), buildings=self.buildings)
            self._done[text] = text if masked == normalize(text) else masked
        return self._done[text]
