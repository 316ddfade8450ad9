"""The company view's page (gathered into the namespace ``company`` by the app's urls.py)."""

from django.urls import path

from sunlit.company.overview import views

urlpatterns = [
    path("", views.company_overview, name="overview"),
]
