from django.urls import path

from sunlit.registry.views import accounts, imports, roster

app_name = "registry"

urlpatterns = [
    path("units/", roster.unit_list, name="unit_list"),
    path("units/<int:unit_id>/", roster.unit_detail, name="unit"),
    path("units/<int:unit_id>/edit/", roster.unit_edit, name="unit_edit"),
    path("people/", roster.person_list, name="person_list"),
    path("people/<int:person_id>/", roster.person_detail, name="person"),
    path("people/<int:person_id>/edit/", roster.person_edit, name="person_edit"),
    path("people/<int:person_id>/reveal/", roster.person_reveal, name="person_reveal"),
    path("people/<int:person_id>/vehicles/", roster.vehicle_add, name="vehicle_add"),
    path("vehicles/", roster.vehicle_list, name="vehicle_list"),
    path("import/", imports.upload, name="import_upload"),
    path("import/<int:import_id>/", imports.preview, name="import_preview"),
    path("export.xlsx", imports.export, name="export"),
    path("accounts/", accounts.activation_list, name="activation_list"),
    path("accounts/issue/", accounts.issue, name="activation_issue"),
    path("accounts/batch/<str:batch>/", accounts.batch_print, name="activation_batch"),
]
