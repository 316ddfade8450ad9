"""Pages of charges: late fees collected, waivers (减免), meter-reading imports
(gathered under the ``finance`` namespace by ``finance/urls.py``)."""

from django.urls import path

from sunlit.finance.charges import views

urlpatterns = [
    path("late-fees/", views.late_fees, name="late_fees"),
    path("bills/<int:bill_id>/waivers/new/", views.waiver_new, name="waiver_new"),
    path("waivers/", views.waiver_list, name="waiver_list"),
    path("waivers/<int:waiver_id>/decide/", views.waiver_decide, name="waiver_decide"),
    path("meters/import/", views.meter_import_new, name="meter_import_new"),
    path("meters/import/template/", views.meter_import_template, name="meter_import_template"),
    path("meters/import/<int:import_id>/", views.meter_import_detail, name="meter_import"),
]
