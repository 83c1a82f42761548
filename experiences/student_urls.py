"""The student's pages of their experiences (signed in, their own only)."""

app_name = "experiences"

urlpatterns: list = []
