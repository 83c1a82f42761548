"""Which scopes an OAuth client may ask for (django-oauth-toolkit's scopes backend, OAUTH2_PROVIDER settings).

- A client that registered itself (api.models.RegisteredClient): the scopes it registered, which are also
  what it gets when its authorization request names none.
- An institution system's client (api.models.InstitutionClient, client credentials): none of the learner
  scopes; the portal's REST API decides by its institution and role.
- Any other application (made by an operator in the admin): every scope in settings.
"""

from oauth2_provider.scopes import SettingsScopes

OFFLINE_ACCESS = "offline_access"


def registered_scopes(application) -> list[str] | None:
    """The scopes a self-registered client registered, or None when the application did not register."""
    registration = getattr(application, "registration", None) if application is not None else None
    if registration is None:
        return None
    return str(registration.metadata.get("scope", "")).split()


def _is_institution_client(application) -> bool:
    return application is not None and hasattr(application, "institution_client")


class ClientScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if _is_institution_client(application):
            return []
        registered = registered_scopes(application)
        known = super().get_available_scopes(application, request, *args, **kwargs)
        return known if registered is None else [scope for scope in registered if scope in known]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        registered = registered_scopes(application)
        if registered is None:
            return super().get_default_scopes(application, request, *args, **kwargs)
        return self.get_available_scopes(application, request)


def describe(scopes) -> list[str]:
    """What each scope lets a client do, in the words of the consent page (unknown scopes by name)."""
    all_scopes = ClientScopes().get_all_scopes()
    return [all_scopes.get(scope, scope) for scope in scopes]
