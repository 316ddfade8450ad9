"""Pages of online payments: paying a household's bills, the order, the local simulator, the
providers' notifications, and the refused ones
(gathered under the ``finance`` namespace by ``finance/urls.py``)."""

from django.urls import path

from sunlit.finance.online import views

urlpatterns = [
    path("my/units/<int:unit_id>/pay/", views.pay, name="pay"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/simulator/", views.simulator, name="simulator"),
    path("callbacks/<str:provider>/<slug:community_code>/", views.payment_callback,
         name="payment_callback"),
    path("callback-refusals/", views.refusals, name="refusals"),
]
