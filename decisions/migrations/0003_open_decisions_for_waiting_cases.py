"""Cases that reached "awaiting decision" before this app existed get their open decision now (new
ones get it from the hook certification.hooks.case_awaits_decision)."""
from django.db import migrations


def open_decisions(apps, schema_editor):
    Case = apps.get_model("certification", "Case")
    Decision = apps.get_model("decisions", "Decision")
    for case in Case.objects.filter(state="awaiting_decision").select_related("scheme_version"):
        if Decision.objects.filter(case=case, state="open").exists():
            continue
        Decision.objects.create(
            kind="case", case=case, organisation_id=case.organisation_id, state="open",
            quorum=case.scheme_version.board_quorum, recommendation_positive=case.recommendation_positive,
            recommendation_reasons=case.recommendation_reasons, opened_by_label="Systeem (migratie)",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0002_initial"),
        ("certification", "0004_declarations_on_record_frozen_evidence_recommendation"),
    ]

    operations = [migrations.RunPython(open_decisions, migrations.RunPython.noop)]
