"""Pages of the maintenance fund (专项维修资金)
(gathered under the ``finance`` namespace by ``finance/urls.py``)."""

from django.urls import path

from sunlit.finance.fund import views

urlpatterns = [
    path("fund/", views.fund_home, name="fund"),
    path("fund/uses/new/", views.fund_use_new, name="fund_use_new"),
    path("fund/uses/<int:use_id>/", views.fund_use_detail, name="fund_use"),
    path("fund/units/<int:unit_id>/", views.fund_unit, name="fund_unit"),
    path("fund/my/", views.my_fund, name="my_fund"),
]
