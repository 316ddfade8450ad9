from django.urls import path

from sunlit.board import views

app_name = "board"

urlpatterns = [
    path("", views.board_list, name="board_list"),
    path("generate/", views.generate, name="generate"),
    path("settings/", views.settings_view, name="settings"),
    path("disclosure/", views.disclosure, name="disclosure"),
    path("<int:board_id>/", views.board_detail, name="board"),
    path("<int:board_id>/review/", views.review, name="review"),
    path("<int:board_id>/do/<str:action>/", views.board_action, name="board_action"),
    path("<int:board_id>/board.csv", views.board_csv, name="board_csv"),
    path("<int:board_id>/poster.pdf", views.poster, name="poster"),
    path("<int:board_id>/content.json", views.content_json, name="content_json"),
    path("items/<int:item_id>/<str:action>/", views.item_action, name="item_action"),
    path("contests/<int:contest_id>/answer/", views.answer, name="answer"),
]
