"""Pages of the 阳光账本: the monthly report, its figures, publishing, queries on entries
(gathered under the ``finance`` namespace by ``finance/urls.py``)."""

from django.urls import path

from sunlit.finance.report import views

urlpatterns = [
    path("ledger/", views.ledger_home, name="ledger_home"),
    path("ledger/runs/<int:run_id>/", views.ledger_run, name="ledger_run"),
    path("ledger/entries/<int:entry_id>/query/", views.ledger_query, name="ledger_query"),
    path("ledger/<str:month>/", views.ledger_month, name="ledger_month"),
    path("ledger/<str:month>/publish/", views.ledger_publish, name="ledger_publish"),
    path("ledger/<str:month>/report.csv", views.ledger_csv, name="ledger_csv"),
    path("ledger/<str:month>/report.pdf", views.ledger_pdf, name="ledger_pdf"),
    path("ledger/<str:month>/content.json", views.ledger_content_json, name="ledger_content_json"),
    path("ledger/<str:month>/<str:key>/", views.ledger_figure, name="ledger_figure"),
    path("ledger/<str:month>/<str:key>.csv", views.ledger_figure_csv, name="ledger_figure_csv"),
]
