"""``make bench``: fill a fresh database at two scales of DESIGN section 11 and time every main page.

Per scale a child process gets a fresh database (SQLite: a new file; PostgreSQL with
``DATABASE_URL``: the schema is dropped and migrated again), fills it (``demo.bench.fill``), times
every page for every persona that sees it in-process, the SQL baselines, and (unless ``--no-http``)
throughput under gunicorn + wrk. The parent writes ``bench-results/<time>.md`` and ``.json``, and
with ``--compare FILE`` a column with an earlier run's p50.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


class Command(BaseCommand):
    help = "Fill a fresh database at given scales (1.0 = DESIGN section 11) and time every main page."

    def add_arguments(self, parser):
        parser.add_argument("--scales", default="0.01,0.1", help="Comma-separated scale factors.")
        parser.add_argument("--repeat", type=int, default=10, help="Timed requests per page.")
        parser.add_argument("--no-http", action="store_true", help="Skip gunicorn + wrk.")
        parser.add_argument("--http-seconds", type=int, default=5)
        parser.add_argument("--out-dir", default="bench-results")
        parser.add_argument("--compare", help="An earlier bench-results/*.json to compare with.")
        parser.add_argument("--in-place", action="store_true",
                            help="Fill and time the current (empty, migrated) database, one scale, no child process.")
        parser.add_argument("--child-out", help=argparse_hidden())

    def handle(self, *args, **options):
        scales = [float(s) for s in options["scales"].split(",") if s.strip()]
        if not scales or any(s <= 0 or s > 2 for s in scales):
            raise CommandError("Give scales between 0 and 2, e.g. --scales 0.01,0.1")
        if options["child_out"]:
            Path(options["child_out"]).write_text(json.dumps(self.run_one(scales[0], options, fresh=True)))
            return
        runs = []
        for scale in scales:
            if options["in_place"]:
                runs.append(self.run_one(scale, options, fresh=False))
                break
            runs.append(self.run_child(scale, options))
        report = {"started": timezone.now().isoformat(), "database": connection.vendor, "runs": runs}
        if options["compare"]:
            report["compare"] = json.loads(Path(options["compare"]).read_text())
        out_dir = Path(options["out_dir"])
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        (out_dir / f"{stamp}.json").write_text(json.dumps(report, indent=1))
        markdown = render(report)
        (out_dir / f"{stamp}.md").write_text(markdown)
        self.stdout.write(markdown)
        self.stdout.write(f"Written: {out_dir / stamp}.md and .json")

    def run_child(self, scale, options) -> dict:
        # Time what production runs: no debug pages, no query log kept in memory.
        env = {**os.environ, "DEBUG": "false"}
        workdir = Path(options["out_dir"])
        workdir.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "sqlite":
            db = (workdir / f"bench-{scale}.sqlite3").resolve()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            env["DATABASE_URL"] = f"sqlite:///{db}"
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out = handle.name
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench", "--scales", str(scale),
                   "--repeat", str(options["repeat"]), "--http-seconds", str(options["http_seconds"]),
                   "--child-out", out] + (["--no-http"] if options["no_http"] else [])
        self.stderr.write(f"Scale {scale}: filling and timing …")
        subprocess.run(command, env=env, check=True)
        data = json.loads(Path(out).read_text())
        Path(out).unlink()
        return data

    def run_one(self, scale, options, *, fresh: bool) -> dict:
        from demo.bench import fill, measure

        if fresh:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            call_command("migrate", verbosity=0, interactive=False)
        start = time.perf_counter()
        filled = fill.fill(scale)
        fill_seconds = round(time.perf_counter() - start, 1)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        pages = measure.measure_pages(filled.personas, filled.objects, repeat=options["repeat"])
        sql = measure.measure_sql(filled.personas, repeat=options["repeat"])
        http = None
        if not options["no_http"] and not options["in_place"]:
            from demo.bench.http import measure_http

            http = measure_http(filled.personas, seconds=options["http_seconds"])
        return {"scale": scale, "fill_seconds": fill_seconds, "counts": filled.counts, "pages": pages,
                "sql_ms": sql, "http": http, "database": measure.database_label()}


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


def _p50s(run) -> dict:
    return {(p["page"], p["persona"]): p for p in run["pages"]}


def render(report) -> str:
    from demo.bench.measure import KEPT_SUFFIX

    runs = report["runs"]
    first, last = runs[0], runs[-1]
    lines = [f"# Benchmark {report['started']} ({report['database']})", ""]
    for run in runs:
        lines.append(f"- scale {run['scale']}: {run['counts']} filled in {run['fill_seconds']} s")
    lines.append("")
    compare = _p50s(report["compare"]["runs"][-1]) if report.get("compare") else {}
    head = ["page", "persona", f"queries @{first['scale']}", f"queries @{last['scale']}", f"p50 ms @{first['scale']}",
            f"p50 ms @{last['scale']}", "growth", f"p95 ms @{last['scale']}", "rows", "controls", "bytes", f"db ms @{last['scale']}", "db × SQL", "page × SQL"]
    if compare:
        head += ["p50 before", "now / before"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    small, large = _p50s(first), _p50s(last)
    for key, p in large.items():
        s = small.get(key, p)
        growth = round(p["p50_ms"] / s["p50_ms"], 2) if s["p50_ms"] else 0
        sql = last["sql_ms"].get(p["page"].removesuffix(KEPT_SUFFIX))
        db_ratio = f"{p['db_ms'] / sql:.1f}" if sql else ""
        ratio = f"{p['p50_ms'] / sql:.1f}" if sql else ""
        row = [p["page"], p["persona"], s["queries"], p["queries"], s["p50_ms"], p["p50_ms"], growth, p["p95_ms"],
               p["rows"], p["controls"], p["bytes"], p.get("db_ms", ""), db_ratio, ratio]
        if compare:
            before = compare.get(key)
            row += [before["p50_ms"] if before else "",
                    f"{p['p50_ms'] / before['p50_ms']:.2f}" if before and before["p50_ms"] else ""]
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    for run in runs:
        if run.get("http") and "rps" in run["http"]:
            lines += ["", f"HTTP at scale {run['scale']} (gunicorn 2 workers, wrk): requests/s and share of the bare view",
                      "", "| target | req/s | share of bare |", "|---|---|---|"]
            for name, rps in run["http"]["rps"].items():
                lines.append(f"| {name} | {rps} | {run['http']['ratio'][name]:.1%} |")
    return "\n".join(lines) + "\n"
