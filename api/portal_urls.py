"""portal URLs (routes added with the views)."""

app_name = "portal_api"
urlpatterns: list = []
