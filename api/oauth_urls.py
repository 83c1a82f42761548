"""oauth URLs (routes added with the views)."""

app_name = "oauth"
urlpatterns: list = []
