"""The finance admin, gathered from its packages (each registers its own read-only admins)."""

from sunlit.finance.arrears import admin as arrears  # noqa: F401
from sunlit.finance.billing import admin as billing  # noqa: F401
from sunlit.finance.books import admin as books  # noqa: F401
from sunlit.finance.online import admin as online  # noqa: F401
from sunlit.finance.payments import admin as payments  # noqa: F401
