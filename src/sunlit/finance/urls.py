"""The finance pages: each domain package's ``urls``, gathered under the ``finance`` namespace."""

from sunlit.finance.arrears import urls as arrears
from sunlit.finance.billing import urls as billing
from sunlit.finance.books import urls as books
from sunlit.finance.charges import urls as charges
from sunlit.finance.expenses import urls as expenses
from sunlit.finance.fund import urls as fund
from sunlit.finance.online import urls as online
from sunlit.finance.payments import urls as payments
from sunlit.finance.report import urls as report

app_name = "finance"

urlpatterns = [
    *billing.urlpatterns,
    *books.urlpatterns,
    *payments.urlpatterns,
    *online.urlpatterns,
    *expenses.urlpatterns,
    *fund.urlpatterns,
    *report.urlpatterns,
    *charges.urlpatterns,
    *arrears.urlpatterns,
]
