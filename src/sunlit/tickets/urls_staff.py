"""Staff pages of the tickets app (queue, tasks, follow-ups, configuration).

Included by ``tickets/urls.py`` under the ``tickets:`` namespace (mounted at /tickets/).
"""

from django.urls import path

from sunlit.tickets.views import staff

urlpatterns = [
    path("queue/", staff.queue, name="queue"),
    path("queue/assign/", staff.bulk_assign, name="bulk_assign"),
    path("tasks/", staff.my_tasks, name="my_tasks"),
    path("follow-ups/", staff.follow_ups, name="follow_ups"),
    path("categories/", staff.categories, name="categories"),
    path("categories/new/", staff.category_add, name="category_add"),
    path("categories/defaults/", staff.category_defaults, name="category_defaults"),
    path("categories/<int:pk>/", staff.category, name="category"),
    path("shifts/", staff.shifts, name="shifts"),
    path("shifts/<int:pk>/delete/", staff.shift_delete, name="shift_delete"),
    path("shifts/skills/<int:member_id>/", staff.skills, name="skills"),
]
