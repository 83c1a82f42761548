"""Django admin for platform operators. It signs people in only through allauth (two-factor, rate limits)."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .models import (
    AuditEntry,
    Institution,
    InstitutionIdentifier,
    Membership,
    SigningKey,
    StaffInvitation,
    User,
)
from .permissions import user_has_mfa


def admin_has_permission(request) -> bool:
    """Active staff, with TOTP set up when PORTAL_REQUIRE_ADMIN_MFA asks it of admins."""
    if not AdminSite.has_permission(admin.site, request):
        return False
    return not settings.PORTAL_REQUIRE_ADMIN_MFA or user_has_mfa(request.user)


def admin_login(request, extra_context=None):
    """Stands in for Django admin's login form, which has no second factor and no rate limit.

    Anonymous visitors go to allauth's login (and its TOTP step) and come back; it never reads a POST.
    """
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(next_url, login_url=reverse("account_login"))
    if admin_has_permission(request):
        return redirect(next_url)
    if request.user.is_active and request.user.is_staff:  # only the required second factor is missing
        return redirect("mfa_activate_totp")
    raise PermissionDenied("This account may not use the administration site.")


admin.site.login = admin_login
admin.site.has_permission = admin_has_permission


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class IdentifierInline(admin.TabularInline):
    model = InstitutionIdentifier
    extra = 0


class InstitutionAdminForm(forms.ModelForm):
    # ModelAdmin builds the model form on this base, with the fields it shows.
    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        self.instance.validate_parent(parent)
        return parent


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    form = InstitutionAdminForm
    list_display = ["name", "slug", "parent", "url"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [IdentifierInline]

    def get_readonly_fields(self, request, obj=None):
        # The parent organisation is embedded in every credential: only superusers (operators) set it.
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, "parent"]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    # The encrypted private part is never shown, not even as ciphertext; keys change only through services.
    fields = ["institution", "key_id", "algorithm", "status", "public_key", "created_at", "retired_at",
              "compromised_at", "compromised_reason"]  # fmt: skip
    readonly_fields = fields
    list_display = ["institution", "key_id", "algorithm", "status", "created_at"]
    list_filter = ["algorithm", "status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "institution", "role"]
    list_filter = ["role", "institution"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user"]


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    # Invitations are made, used and withdrawn on the members page (services); here they are only read.
    fields = ["institution", "email", "role", "invited_by", "created_at", "expires_at", "accepted_at",
              "accepted_by", "revoked_at"]  # fmt: skip
    readonly_fields = fields
    list_display = ["email", "institution", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "target", "institution", "actor"]
    list_filter = ["action"]
    readonly_fields = ["at", "action", "target", "institution", "actor", "data"]

    def has_add_permission(self, request):
        return False
