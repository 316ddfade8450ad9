"""Pages of billing: the finance home, fee items and tariffs, billing runs, bills, "my bills"
(gathered under the ``finance`` namespace by ``finance/urls.py``)."""

from django.urls import path

from sunlit.finance.billing import views

urlpatterns = [
    path("", views.home, name="home"),
    path("fee-items/", views.fee_item_list, name="fee_item_list"),
    path("fee-items/<int:item_id>/", views.fee_item_detail, name="fee_item"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("bills/<int:bill_id>/", views.bill_detail, name="bill"),
    path("my/", views.my_bills, name="my_bills"),
]
