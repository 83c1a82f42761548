"""The outside supervisor's page: one experience, reached by a single-use link, no account."""

app_name = "supervisors"

urlpatterns: list = []
