"""Each app registers readable labels for its own log action codes; every code the code base
writes has one (DESIGN / STYLE "Records")."""
import ast
import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from records import labels
from records.models import LogEntry
from records.services import log_action
from records.templatetags.records import action_label

APPS = ("organisations", "notifications", "records", "certification", "audits", "register", "decisions", "demo", "cycle")

# Functions that write a log row, with where their action code is and what they put before it.
WRITERS = {
    "log_action": {"keyword": "action", "position": None, "prefix": ""},
    "_log": {"keyword": "action", "position": 1, "prefix": "audits."},
    "log_case_transition": {"keyword": "action", "position": None, "prefix": "certification.case."},
    "transition_case": {"keyword": "action", "position": None, "prefix": "certification.case."},
    "_intake_transition": {"keyword": "action", "position": None, "prefix": "certification.case."},
    "_log_certificate": {"keyword": "action", "position": None, "prefix": "register.certificate."},
    "_log_complaint": {"keyword": "action", "position": None, "prefix": "register.complaint."},
    "_log_decision": {"keyword": "action", "position": None, "prefix": "decisions."},
    "_log_objection": {"keyword": "action", "position": None, "prefix": "decisions.objection."},
}


class _Unresolved(Exception):
    pass


def _values(node, function, module=None) -> set[str]:
    """The strings an expression can be: literals, ``a if c else b``, f"prefix{name}", and a
    name assigned literals in the same function or at the top of the module."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _values(node.body, function, module) | _values(node.orelse, function, module)
    if isinstance(node, ast.JoinedStr):
        results = {""}
        for part in node.values:
            options = _values(part.value if isinstance(part, ast.FormattedValue) else part, function, module)
            results = {start + option for start in results for option in options}
        return results
    if isinstance(node, ast.Name):
        for scope, statements in ((function, ast.walk(function)), (None, module.body if module else ())):
            found = set()
            for statement in statements:
                if isinstance(statement, ast.Assign) and any(
                        isinstance(target, ast.Name) and target.id == node.id for target in statement.targets):
                    found |= _values(statement.value, scope, module)
            if found:
                return found
    raise _Unresolved(ast.unparse(node))


def written_action_codes() -> tuple[set[str], list[str]]:
    """Every action code a module of the apps passes to a log writer, and what could not be read."""
    codes, unresolved = set(), []
    for app in APPS:
        for path in sorted(Path(settings.BASE_DIR, app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
            for function in functions:
                if function.name in WRITERS:
                    continue  # the writers pass on their callers' codes
                for call in ast.walk(function):
                    if not isinstance(call, ast.Call):
                        continue
                    name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
                    if name not in WRITERS:
                        continue
                    writer = WRITERS[name]
                    argument = next((kw.value for kw in call.keywords if kw.arg == writer["keyword"]), None)
                    if argument is None and writer["position"] is not None and len(call.args) > writer["position"]:
                        argument = call.args[writer["position"]]
                    if argument is None:
                        continue
                    try:
                        codes |= {writer["prefix"] + value for value in _values(argument, function, tree)}
                    except _Unresolved as error:
                        unresolved.append(f"{path.relative_to(settings.BASE_DIR)}:{call.lineno}: {error}")
    return codes, unresolved


def test_every_action_code_written_in_the_code_has_a_label():
    codes, unresolved = written_action_codes()
    assert unresolved == [], "teach written_action_codes() to read these action codes"
    assert len(codes) > 40  # the scan itself works
    assert {"audits.assignment.created", "audits.correction.rejected", "audits.auditor.registered",
            "certification.case.audit_planned", "certification.case.returned",
            "organisations.location.added", "organisations.role.revoked"} <= codes
    missing = sorted(code for code in codes if not labels.is_registered(code))
    assert missing == []


def test_every_registered_label_is_written_somewhere():
    codes, _unresolved = written_action_codes()
    assert sorted(set(labels.registered()) - codes) == []


def test_each_app_registers_its_own_codes_only():
    with pytest.raises(ValueError, match="cannot register"):
        labels.register("audits", {"certification.case.submitted": "Submitted"})


def test_a_code_cannot_be_registered_twice_with_another_label():
    with pytest.raises(ValueError, match="already registered"):
        labels.register("certification", {"certification.case.submitted": "Something else"})
    labels.register("certification", {"certification.case.submitted": labels.label_for("certification.case.submitted")})


def test_writing_an_unregistered_code_fails_in_tests_and_writes_nothing(draft_case):
    count = LogEntry.objects.count()
    with pytest.raises(labels.UnknownActionError, match="certification.case.teleported"):
        log_action(actor=None, action="certification.case.teleported", obj=draft_case)
    assert LogEntry.objects.count() == count


def test_in_production_an_unregistered_code_is_written_and_reported(draft_case, settings, caplog):
    settings.RECORDS_STRICT_ACTIONS = False
    with caplog.at_level(logging.WARNING, logger="records.services"):
        entry = log_action(actor=None, action="certification.case.teleported", obj=draft_case)
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    assert "certification.case.teleported" in caplog.text


@pytest.mark.parametrize(("code", "data", "dutch", "english"), [
    ("certification.case.submitted", {}, "Aanvraag ingediend", "Application submitted"),
    ("certification.answer.written", {"criterion": "3.2"}, "Antwoord geschreven (3.2)", "Answer written (3.2)"),
    ("certification.evidence.uploaded", {"name": "beleid.pdf"}, "Bewijsstuk geüpload (beleid.pdf)",
     "Evidence uploaded (beleid.pdf)"),
    ("audits.finding.recorded", {"criterion": "1.1"}, "Bevinding vastgelegd (1.1)", "Finding recorded (1.1)"),
    ("organisations.location.added", {}, "Locatie toegevoegd", "Location added"),
    ("organisations.role.granted", {}, "Stichtingsrol toegekend", "Foundation role granted"),
    ("certification.case.beamed", {}, "certification.case.beamed", "certification.case.beamed"),
])
def test_the_action_label_filter_reads_the_registry_in_both_languages(code, data, dutch, english):
    entry = LogEntry(action=code, data=data)
    with translation.override("nl"):
        assert action_label(entry) == dutch
    with translation.override("en"):
        assert action_label(entry) == english
