"""Load the Meetlat Sociale Incasso (seed 004) as the first published version of the norm."""
import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "norm" / "meetlat_v1.json"


def load_meetlat(apps, schema_editor):
    Scheme = apps.get_model("certification", "Scheme")
    SchemeVersion = apps.get_model("certification", "SchemeVersion")
    Theme = apps.get_model("certification", "Theme")
    Criterion = apps.get_model("certification", "Criterion")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    scheme, _ = Scheme.objects.get_or_create(slug=data["scheme"]["slug"], defaults={
        "name": data["scheme"]["name"], "description": data["scheme"]["description"]})
    if SchemeVersion.objects.filter(scheme=scheme, number=data["version"]["number"]).exists():
        return
    version = SchemeVersion.objects.create(
        scheme=scheme, number=data["version"]["number"], title=data["version"]["title"],
        state="published", published_at=timezone.now(),
    )
    themes = {}
    for position, theme in enumerate(data["themes"], start=1):
        themes[theme["code"]] = Theme.objects.create(
            version=version, code=theme["code"], title=theme["title"], description=theme["description"],
            position=position,
        )
    for position, criterion in enumerate(data["criteria"], start=1):
        Criterion.objects.create(
            version=version, theme=themes[criterion["code"].split(".")[0]], code=criterion["code"],
            title=criterion["title"], level_1=criterion["level_1"], level_5_5=criterion["level_5_5"],
            level_8=criterion["level_8"], position=position,
        )


class Migration(migrations.Migration):
    dependencies = [("certification", "0002_initial")]
    operations = [migrations.RunPython(load_meetlat, migrations.RunPython.noop)]
