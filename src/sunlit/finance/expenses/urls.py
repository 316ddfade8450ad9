"""Pages of public money: public income, expenses, the approval queue, receipts
(gathered under the ``finance`` namespace by ``finance/urls.py``)."""

from django.urls import path

from sunlit.finance.expenses import views

urlpatterns = [
    path("money/income/", views.income_list, name="income_list"),
    path("money/expenses/", views.expense_list, name="expense_list"),
    path("money/expenses/new/", views.expense_new, name="expense_new"),
    path("money/expenses/<int:expense_id>/", views.expense_detail, name="expense"),
    path("money/approvals/", views.approvals, name="money_approvals"),
    path("money/files/<int:upload_id>/", views.money_file, name="money_file"),
]
