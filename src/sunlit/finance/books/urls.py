"""Pages of the books: opening them, the balances
(gathered under the ``finance`` namespace by ``finance/urls.py``)."""

from django.urls import path

from sunlit.finance.books import views

urlpatterns = [
    path("books/open/", views.open_books, name="open_books"),
    path("books/", views.books, name="books"),
]
