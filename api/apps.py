from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The 1EdTech OB 3.0 / CLR 2.0 service API with OAuth 2.0; the portal's REST API for institutions."""

    name = "api"
