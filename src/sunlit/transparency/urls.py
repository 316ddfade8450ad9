from django.urls import path

from sunlit.transparency import views

app_name = "transparency"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<slug:log_path>/", views.log_page, name="log"),
    path("<slug:log_path>/checkpoint", views.checkpoint, name="checkpoint"),
    path("<slug:log_path>/tile/<path:tile_path>", views.tile, name="tile"),
]
