"""The company's pages (namespace ``company``, mounted at ``/company/`` by ``sunlit/urls.py``),
gathered from its packages."""

from sunlit.company.benchmarks import urls as benchmarks
from sunlit.company.onboarding import urls as onboarding
from sunlit.company.overview import urls as overview
from sunlit.company.rosters import urls as rosters
from sunlit.company.staff import urls as staff

app_name = "company"

urlpatterns = [
    *overview.urlpatterns,
    *onboarding.urlpatterns,
    *staff.urlpatterns,
    *rosters.urlpatterns,
    *benchmarks.urlpatterns,
]
