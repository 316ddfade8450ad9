"""Benchmark and scorecard pages (对标、考核), gathered into the namespace ``company``."""

from django.urls import path

from sunlit.company.benchmarks import views

urlpatterns = [
    path("benchmarks/", views.benchmarks, name="benchmarks"),
    path("benchmarks/snapshot/", views.snapshot, name="snapshot"),
    path("assessment/", views.assessment, name="assessment"),
    path("assessment/scorecard/", views.scorecard, name="scorecard"),
    path("assessment.xlsx", views.assessment_export, name="assessment_export"),
    path("benchmarks/community/", views.community_benchmark, name="community_benchmark"),
]
