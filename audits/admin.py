from django.contrib import admin

from .models import Auditor, CertificationBody


@admin.register(CertificationBody)
class CertificationBodyAdmin(admin.ModelAdmin):
    list_display = ("name", "kvk_number", "email")
    search_fields = ("name",)


@admin.register(Auditor)
class AuditorAdmin(admin.ModelAdmin):
    list_display = ("user", "body", "qualified_from", "qualified_until", "status")
    list_filter = ("status", "body")
    search_fields = ("user__full_name", "user__email")
    list_select_related = ("user", "body")
    autocomplete_fields = ("user",)
