from django.contrib import admin

from .models import ExternalCredential, ShareLink


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "label", "created_at", "expires_at", "revoked_at", "view_count")
    list_filter = ("revoked_at",)
    readonly_fields = ("token_hash", "view_count", "last_viewed_at")
    exclude = ("token_encrypted",)
    raw_id_fields = ("owner", "clrs")


@admin.register(ExternalCredential)
class ExternalCredentialAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "issuer_name", "source_format", "verdict", "confirmed", "created_at")
    list_filter = ("verdict", "source_format", "confirmed")
    raw_id_fields = ("owner",)
