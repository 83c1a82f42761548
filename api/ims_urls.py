"""ims URLs (routes added with the views)."""

app_name = "ims"
urlpatterns: list = []
