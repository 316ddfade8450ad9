"""Pages of arrears: 账龄, 收缴率 and the reminders (催缴)
(gathered under the ``finance`` namespace by ``finance/urls.py``)."""

from django.urls import path

from sunlit.finance.arrears import views

urlpatterns = [
    path("arrears/", views.aging, name="aging"),
    path("collection/", views.collection, name="collection"),
    path("reminders/", views.reminder_home, name="reminders"),
    path("reminders/templates/<int:template_id>/", views.reminder_template_edit,
         name="reminder_template"),
    path("reminders/rules/<int:rule_id>/", views.reminder_rule_edit, name="reminder_rule"),
    path("units/<int:unit_id>/remind/", views.unit_remind, name="unit_remind"),
]
