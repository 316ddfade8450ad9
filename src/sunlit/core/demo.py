"""The demo's cast: who each app's demo acts as, looked up once per community.

``sunlit.demo.load_demo`` builds one ``DemoCast`` after the roster and the demo logins exist and
passes it to every app's ``load_demo(community, *, cast, seed, now)``; an app asks the cast and
never looks people up itself. Two kinds of people are in it:

- ``lead(role)``: the community's first active member in a role. In 明强小区 the roster's own
  staff were hired before the demo logins, so the lead finance clerk or manager is a roster
  employee (the one whose name the log already carries), not ``demo-finance``.
- the demo logins by name (``owner`` is ``demo-owner``, …): what someone trying the demo sees
  from their side — demo-owner's own bills and tickets, the technician's own tasks.

``DemoCast.of(community)`` answers for any community (tests load one app's demo into a small
community of their own); a person the community lacks is ``None``, and the app's demo then
loads nothing that needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sunlit.core.choices import Role
from sunlit.core.models import Community, Membership, User

DEMO_LOGINS = {
    "owner": "demo-owner", "service": "demo-service", "dispatcher": "demo-dispatcher",
    "manager": "demo-manager", "technician": "demo-technician",
}


@dataclass(frozen=True)
class DemoCast:
    community: Community
    leads: dict[str, User] = field(default_factory=dict)
    owner: User | None = None  # demo-owner
    service: User | None = None  # demo-service
    dispatcher: User | None = None  # demo-dispatcher
    manager: User | None = None  # demo-manager
    technician: Membership | None = None  # demo-technician's membership in this community

    @classmethod
    def of(cls, community: Community) -> DemoCast:
        leads: dict[str, User] = {}
        for membership in (Membership.objects.in_community(community).active()
                           .select_related("user").order_by("pk")):
            leads.setdefault(membership.role, membership.user)
        logins = {u.username: u for u in User.objects.filter(username__in=DEMO_LOGINS.values())}
        technician = (Membership.objects.in_community(community)
                      .filter(user__username=DEMO_LOGINS["technician"], role=Role.TECHNICIAN)
                      .select_related("user").first())
        return cls(community=community, leads=leads, technician=technician,
                   **{attr: logins.get(name) for attr, name in DEMO_LOGINS.items()
                      if attr != "technician"})

    def lead(self, role: str) -> User | None:
        """The community's first active member in ``role`` (by when they joined)."""
        return self.leads.get(role)

    def owner_here(self) -> User | None:
        """demo-owner if he owns a home here, else the community's first owner."""
        if self.owner is not None and Membership.objects.in_community(self.community).active() \
                .filter(user=self.owner, role=Role.OWNER).exists():
            return self.owner
        return self.lead(Role.OWNER)
