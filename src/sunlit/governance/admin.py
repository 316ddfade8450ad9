"""The governance admin, gathered from its packages (each registers its own read-only admins)."""

from sunlit.governance.consultations import admin as consultations  # noqa: F401
from sunlit.governance.controls import admin as controls  # noqa: F401
from sunlit.governance.meetings import admin as meetings  # noqa: F401
from sunlit.governance.votes import admin as votes  # noqa: F401
