from django.urls import path

from sunlit.finance import views
from sunlit.finance.arrears import urls as arrears_urls
from sunlit.finance.charges import urls as charges_urls
from sunlit.finance.expenses import urls as expenses_urls
from sunlit.finance.fund import urls as fund_urls
from sunlit.finance.online import urls as online_urls
from sunlit.finance.report import urls as report_urls

app_name = "finance"

urlpatterns = [
    path("", views.home, name="home"),
    path("books/open/", views.open_books, name="open_books"),
    path("books/", views.books, name="books"),
    path("fee-items/", views.fee_item_list, name="fee_item_list"),
    path("fee-items/<int:item_id>/", views.fee_item_detail, name="fee_item"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("counter/", views.counter, name="counter"),
    path("units/<int:unit_id>/", views.unit_account, name="unit"),
    path("payments/<int:payment_id>/", views.payment_detail, name="payment"),
    path("bills/<int:bill_id>/", views.bill_detail, name="bill"),
    path("my/", views.my_bills, name="my_bills"),
    # --- online payments and e-receipts (finance.online, finance.receipts) ---
    *online_urls.urlpatterns,
    # public money (task `fund`): public income, expenses, the maintenance fund
    *expenses_urls.urlpatterns,
    *fund_urls.urlpatterns,
]

urlpatterns += report_urls.urlpatterns
urlpatterns += [
    # --- charges: late fees, waivers (减免), meter-reading imports ---
    *charges_urls.urlpatterns,
    # --- arrears (账龄, 收缴率, 催缴) ---
    *arrears_urls.urlpatterns,
]
