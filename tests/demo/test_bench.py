"""The benchmark runs (CI proves it at a tiny scale; it is a benchmark, not a test of speed)."""
import json

from django.core.management import call_command


def test_bench_fills_and_times_every_main_page_at_a_tiny_scale(db, tmp_path):
    call_command("bench", scales="0.001", in_place=True, no_http=True, repeat=1, out_dir=str(tmp_path))
    report = json.loads(next(tmp_path.glob("*.json")).read_text())
    run = report["runs"][0]
    assert run["counts"]["organisations"] == 10 and run["counts"]["cases"] == 50
    assert run["counts"]["certificates"] > 0
    pages = {p["page"]: p for p in run["pages"]}
    assert {"dashboard", "intake queue", "audits overview", "worklist", "workspace", "planning"} <= set(pages)
    # The pages served from a kept copy are timed made anew and, as their own row, from the copy.
    assert {"dashboard, kept copy", "intake queue, kept copy", "worklist, kept copy"} <= set(pages)
    assert all(p["status"] == 200 for p in pages.values()), {k: p["status"] for k, p in pages.items()}
    assert pages["public register"]["rows"] > 0 and pages["certificates"]["rows"] > 0
    # The database's share is measured per request, to the microsecond, and is part of the page's time.
    assert pages["login"]["db_ms"] == 0 and pages["login"]["queries"] == 0
    assert 0 < pages["intake queue"]["db_ms"] < pages["intake queue"]["p50_ms"]
    assert set(run["sql_ms"]) >= {"intake queue", "dashboard"}
    markdown = next(tmp_path.glob("*.md")).read_text()
    assert "| intake queue | secretariat |" in markdown


def test_bench_compares_with_an_earlier_run(db, tmp_path):
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps({"runs": [{"pages": [{"page": "dashboard", "persona": "applicant", "p50_ms": 1.0}]}]}))
    out = tmp_path / "out"
    call_command("bench", scales="0.001", in_place=True, no_http=True, repeat=1, out_dir=str(out),
                 compare=str(earlier))
    assert "p50 before" in next(out.glob("*.md")).read_text()
