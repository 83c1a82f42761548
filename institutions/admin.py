from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import AuditEntry, Institution, InstitutionIdentifier, Membership, SigningKey, User


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


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "url"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [IdentifierInline]


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


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "target", "institution", "actor"]
    list_filter = ["action"]
    readonly_fields = ["at", "action", "target", "institution", "actor", "data"]

    def has_add_permission(self, request):
        return False
