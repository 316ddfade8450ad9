"""Staff pages (员工), gathered into the namespace ``company``."""

from django.urls import path

from sunlit.company.staff import views

urlpatterns = [
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("staff/<int:employee_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:employee_id>/postings/", views.staff_post, name="staff_post"),
    path("staff/<int:employee_id>/postings/<int:membership_id>/end/", views.staff_end,
         name="staff_end"),
    path("staff/<int:employee_id>/suspend/", views.staff_suspend, name="staff_suspend"),
    path("staff/<int:employee_id>/reinstate/", views.staff_reinstate, name="staff_reinstate"),
    path("staff/<int:employee_id>/leave/", views.staff_leave, name="staff_leave"),
    path("staff/<int:employee_id>/password-link/", views.staff_link, name="staff_link"),
]
