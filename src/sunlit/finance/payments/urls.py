"""Pages of payments: the counter, a unit's account, a payment, its e-receipt PDF
(gathered under the ``finance`` namespace by ``finance/urls.py``)."""

from django.urls import path

from sunlit.finance.payments import views

urlpatterns = [
    path("counter/", views.counter, name="counter"),
    path("units/<int:unit_id>/", views.unit_account, name="unit"),
    path("payments/<int:payment_id>/", views.payment_detail, name="payment"),
    path("payments/<int:payment_id>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
]
