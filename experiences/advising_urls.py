"""Advisors' and admins' pages, under /institutions/<slug>/advising/."""

app_name = "advising"

urlpatterns: list = []
