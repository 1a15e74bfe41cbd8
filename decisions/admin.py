from django.contrib import admin

from records.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline

from .models import BoardConflict, Decision, Objection, Vote


class VoteInline(ReadOnlyTabularInline):
    model = Vote
    fields = ("member", "outcome", "motivation", "deviation", "cast_at")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyModelAdmin):
    """Decisions and votes change only through the services: read-only here, for everyone."""

    list_display = ("__str__", "organisation", "state", "outcome", "opened_at", "decided_at")
    list_filter = ("state", "kind", "outcome")
    list_select_related = ("case", "certificate", "organisation")
    inlines = [VoteInline]


@admin.register(Vote)
class VoteAdmin(ReadOnlyModelAdmin):
    list_display = ("decision", "member", "outcome", "cast_at")
    list_select_related = ("decision__case", "decision__certificate", "member")


@admin.register(BoardConflict)
class BoardConflictAdmin(ReadOnlyModelAdmin):
    list_display = ("member", "organisation", "declared_at")
    list_select_related = ("member", "organisation")


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyModelAdmin):
    list_display = ("reference", "organisation", "state", "lodged_at", "decided_at")
    list_filter = ("state",)
    list_select_related = ("organisation",)
