"""Time the main pages per persona in-process (Django test client), and the SQL baselines."""
import re
import statistics
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection, reset_queries
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import User

ROW = re.compile(rb"<tr[ >]|<article[ >]|<li>")
CONTROL = re.compile(rb"<input[^>]+type=\"(?:checkbox|radio)\"|<option[ >]")


@dataclass
class PageResult:
    page: str
    persona: str
    status: int
    queries: int
    db_ms: float  # median time of the page's queries per request, in the database driver
    p50_ms: float
    p95_ms: float
    rows: int
    controls: int
    bytes: int


def pages(objects: dict) -> list[tuple[str, str, str]]:
    """(name, persona, url) of every main page, for each persona that sees it."""
    out = [
        ("login", None, reverse("login")),
        ("public register", None, reverse("register:list")),
        ("dashboard", "applicant", reverse("certification:dashboard")),
        ("intake queue", "secretariat", reverse("certification:intake_queue")),
        ("audits overview", "secretariat", reverse("audits:overview")),
        ("overdue corrections", "secretariat", reverse("audits:overdue")),
        ("auditor register", "secretariat", reverse("audits:register")),
        ("organisations", "secretariat", reverse("organisations:list")),
        ("certificates", "secretariat", reverse("decisions:certificate_list")),
        ("complaints", "secretariat", reverse("register:complaint_list")),
        ("board decisions", "board", reverse("decisions:board_list")),
        ("worklist", "auditor", reverse("audits:worklist")),
    ]
    if objects.get("draft_case"):
        pk = objects["draft_case"]
        out += [("case page", "applicant", reverse("certification:case_detail", args=[pk])),
                ("self-assessment", "applicant", reverse("certification:self_assessment", args=[pk])),
                ("evidence", "applicant", reverse("certification:evidence", args=[pk])),
                ("case page (secretariat)", "secretariat", reverse("certification:case_detail", args=[pk]))]
    if objects.get("admitted_case"):
        out.append(("planning", "secretariat", reverse("audits:plan", args=[objects["admitted_case"]])))
    if objects.get("running_audit"):
        out.append(("workspace", "auditor", reverse("audits:workspace", args=[objects["running_audit"]])))
    return out


def _percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


class _DatabaseTime:
    """A ``connection.execute_wrapper`` that adds up the time spent in the database driver, to the
    microsecond (Django's captured queries round each query to the millisecond, so a page of ten
    short queries read several milliseconds too high or too low)."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


def time_page(client: Client, url: str, repeat: int):
    """The page's response and query count (one request), and per timed request its time and the
    time of its queries (``db_ms``: the median of those)."""
    client.get(url)  # warm caches and templates
    times, db_times = [], []
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = len(captured.captured_queries)
    for _ in range(repeat):
        database = _DatabaseTime()
        with connection.execute_wrapper(database):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        db_times.append(database.seconds * 1000)
        reset_queries()
    db_ms = statistics.median(db_times)
    return response, queries, db_ms, times


# Pages served again from a kept copy while the database is unchanged (config/pagecache.py): the
# table times them made anew like every other page (the work grows or not with the data), and once
# more served from the copy, as a separate row.
KEPT_PAGES = ("dashboard", "intake queue", "audits overview", "overdue corrections", "auditor register", "organisations",
              "certificates", "complaints", "board decisions", "worklist")
KEPT_SUFFIX = ", kept copy"


def measure_pages(personas: dict, objects: dict, *, repeat: int = 10) -> list[PageResult]:
    clients = {None: Client(HTTP_HOST="localhost")}
    for name, pk in personas.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(User.objects.get(pk=pk))
        clients[name] = client
    targets = [(name, persona, url, 0) for name, persona, url in pages(objects)]
    targets += [(name + KEPT_SUFFIX, persona, url, 300) for name, persona, url in pages(objects) if name in KEPT_PAGES]
    results = []
    for name, persona, url, kept_seconds in targets:
        with override_settings(SIGNED_IN_PAGE_SECONDS=kept_seconds):
            response, queries, db_ms, times = time_page(clients[persona], url, repeat)
        body = response.content if hasattr(response, "content") else b""
        results.append(PageResult(page=name, persona=persona or "anonymous", status=response.status_code,
                                  queries=queries, db_ms=round(db_ms, 2), p50_ms=round(statistics.median(times), 2),
                                  p95_ms=round(_percentile(times, 0.95), 2), rows=len(ROW.findall(body)),
                                  controls=len(CONTROL.findall(body)), bytes=len(body)))
    return [asdict(r) for r in results]


# One hand-written query per heavy list page that fetches everything the page shows: each of its
# lists (first page), the counts its pagers and headings need, and what its panels show.
_ORG = "JOIN organisations_organisation o ON o.id = c.organisation_id"
SQL_BASELINES = {
    "intake queue": (
        "WITH queue AS (SELECT c.id, CAST(c.submitted_at AS TEXT) AS at, o.name, o.sector, (SELECT COUNT(*) FROM "
        "certification_evidence e WHERE e.case_id = c.id AND e.removed_at IS NULL) AS evidence FROM certification_case c "
        f"{_ORG} WHERE c.state = 'submitted' ORDER BY c.submitted_at, c.id LIMIT 25), "
        "recent AS (SELECT c.id, CAST(c.updated_at AS TEXT) AS at, o.name, c.state FROM certification_case c "
        f"{_ORG} WHERE c.state IN ('admitted', 'not_admitted') ORDER BY c.updated_at DESC LIMIT 10) "
        "SELECT 'queue', id, at, name, sector, evidence FROM queue "
        "UNION ALL SELECT 'recent', id, at, name, state, NULL FROM recent "
        "UNION ALL SELECT 'count', (SELECT COUNT(*) FROM certification_case WHERE state = 'submitted'), NULL, NULL, NULL, NULL",
        []),
    "audits overview": (
        "WITH plan AS (SELECT c.id, CAST(c.admitted_at AS TEXT) AS at, o.name FROM certification_case c "
        f"{_ORG} WHERE c.state = 'admitted' ORDER BY c.admitted_at, c.id LIMIT 25), "
        "active AS (SELECT a.id, CAST(a.first_day AS TEXT) AS at, o.name, (SELECT {names} FROM audits_assignment s "
        "JOIN audits_auditor r ON r.id = s.auditor_id JOIN organisations_user u ON u.id = r.user_id WHERE s.audit_id = a.id) "
        f"AS team FROM audits_audit a JOIN certification_case c ON c.id = a.case_id {_ORG} "
        "WHERE a.state IN ('planned', 'in_progress') ORDER BY a.first_day, a.id LIMIT 25), "
        "corrections AS (SELECT a.id, CAST(a.report_submitted_at AS TEXT) AS at, o.name, (SELECT COUNT(*) FROM audits_correctiveaction ca "
        "JOIN audits_finding f ON f.id = ca.finding_id WHERE f.audit_id = a.id) AS total, (SELECT COUNT(*) FROM "
        "audits_correctiveaction ca JOIN audits_finding f ON f.id = ca.finding_id WHERE f.audit_id = a.id AND ca.state = 'accepted') "
        f"AS accepted FROM audits_audit a JOIN certification_case c ON c.id = a.case_id {_ORG} "
        "WHERE a.state = 'reported' AND c.state = 'corrective_actions' ORDER BY a.report_submitted_at, a.id LIMIT 25) "
        "SELECT 'plan', id, at, name, NULL, NULL FROM plan "
        "UNION ALL SELECT 'audit', id, at, name, team, NULL FROM active "
        "UNION ALL SELECT 'corrections', id, at, name, CAST(total AS TEXT), CAST(accepted AS TEXT) FROM corrections "
        "UNION ALL SELECT 'counts', (SELECT COUNT(*) FROM certification_case WHERE state = 'admitted'), "
        "CAST((SELECT COUNT(*) FROM audits_audit WHERE state IN ('planned', 'in_progress')) AS TEXT), "
        "CAST((SELECT COUNT(*) FROM audits_audit a JOIN certification_case c ON c.id = a.case_id "
        "WHERE a.state = 'reported' AND c.state = 'corrective_actions') AS TEXT), NULL, "
        "CAST((SELECT COUNT(*) FROM audits_correctiveaction ca JOIN audits_finding f ON f.id = ca.finding_id JOIN audits_audit a "
        "ON a.id = f.audit_id JOIN certification_case c ON c.id = a.case_id WHERE ca.state IN ('open', 'rejected') "
        "AND ca.deadline < %s AND c.state = 'corrective_actions') AS TEXT)", ["today"]),
    "overdue corrections": (
        "SELECT a.id, a.deadline, o.name, cr.code FROM audits_correctiveaction a JOIN audits_finding f "
        "ON f.id = a.finding_id JOIN certification_criterion cr ON cr.id = f.criterion_id JOIN audits_audit au "
        "ON au.id = f.audit_id JOIN certification_case c ON c.id = au.case_id JOIN organisations_organisation o "
        "ON o.id = c.organisation_id WHERE a.state IN ('open', 'rejected') AND a.deadline < %s "
        "AND c.state = 'corrective_actions' ORDER BY a.deadline, a.id LIMIT 25", ["today"]),
    "worklist": (
        "SELECT s.id, au.first_day, o.name FROM audits_assignment s JOIN audits_audit au ON au.id = s.audit_id "
        "JOIN certification_case c ON c.id = au.case_id JOIN organisations_organisation o ON o.id = c.organisation_id "
        "WHERE s.auditor_id = (SELECT id FROM audits_auditor WHERE user_id = %s) "
        "AND s.state NOT IN ('removed', 'declined') ORDER BY au.first_day DESC, s.id DESC LIMIT 25", ["auditor"]),
    "dashboard": (
        "WITH mine AS (SELECT organisation_id AS id FROM organisations_membership WHERE user_id = %s) "
        "SELECT 'case', c.id, c.state, o.name, CAST((SELECT COUNT(*) FROM certification_selfassessmentanswer a "
        f"WHERE a.case_id = c.id) AS TEXT) FROM certification_case c {_ORG} WHERE c.organisation_id IN (SELECT id FROM mine) "
        "UNION ALL SELECT 'certificate', t.id, t.state, t.number, CAST(t.valid_until AS TEXT) FROM register_certificate t "
        "WHERE t.organisation_id IN (SELECT id FROM mine) "
        "UNION ALL SELECT 'decision', d.id, d.kind, d.outcome, CAST((SELECT COUNT(*) FROM decisions_objection b "
        "WHERE b.decision_id = d.id) AS TEXT) FROM decisions_decision d WHERE d.organisation_id IN (SELECT id FROM mine) "
        "AND d.state = 'decided'", ["applicant"]),
}


def measure_sql(personas: dict, *, repeat: int = 10) -> dict:
    from django.utils import timezone

    out = {}
    names = "string_agg(u.full_name, ', ')" if connection.vendor == "postgresql" else "group_concat(u.full_name, ', ')"
    for name, (sql, params) in SQL_BASELINES.items():
        sql = sql.replace("{names}", names)
        values = [timezone.localdate() if p == "today" else personas.get(p) for p in params]
        times = []
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            cursor.fetchall()
            for _ in range(repeat):
                start = time.perf_counter()
                cursor.execute(sql, values)
                cursor.fetchall()
                times.append((time.perf_counter() - start) * 1000)
        out[name] = round(statistics.median(times), 3)
    return out


def database_label() -> str:
    return f"{connection.vendor} {settings.DATABASES['default'].get('NAME', '')}"
