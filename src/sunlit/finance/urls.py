from django.urls import path

from sunlit.finance import arrears_views, views

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
    # --- arrears (账龄, 收缴率, 催缴) ---
    path("arrears/", arrears_views.aging, name="aging"),
    path("collection/", arrears_views.collection, name="collection"),
    path("reminders/", arrears_views.reminder_home, name="reminders"),
    path("reminders/templates/<int:template_id>/", arrears_views.reminder_template_edit,
         name="reminder_template"),
    path("reminders/rules/<int:rule_id>/", arrears_views.reminder_rule_edit, name="reminder_rule"),
    path("units/<int:unit_id>/remind/", arrears_views.unit_remind, name="unit_remind"),
]
