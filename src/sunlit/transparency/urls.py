from django.urls import path

from sunlit.transparency import views

app_name = "transparency"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<slug:log_path>/", views.log_page, name="log"),
    path("<slug:log_path>/checkpoint", views.checkpoint, name="checkpoint"),
    path("<slug:log_path>/cosign", views.cosign, name="cosign"),
    path("<slug:log_path>/witnesses", views.witness_register, name="witness_register"),
    path("<slug:log_path>/witnesses/<int:witness_id>/revoke", views.witness_revoke,
         name="witness_revoke"),
    path("<slug:log_path>/tile/<path:tile_path>", views.tile, name="tile"),
]
