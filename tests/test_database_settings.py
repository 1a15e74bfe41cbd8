"""PostgreSQL is told, per connection, that reading by index is cheap (config/settings/base.py):
with the default the auditor's worklist read every audit of every year (docs/bench.md)."""
import pytest
from django.db import connection

from .conftest import require_service


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_planner_prefers_index_reads():
    require_service("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == pytest.approx(1.1)
