"""Run the daily jobs: one clock (``now``), one claim per job per day, one transaction per item.

``run_daily(now)`` runs every job of ``jobs.JOBS`` in order. Each job first claims its ``JobRun``
(unique job + day): a second run that day — a second worker, beat firing twice, a manual run —
finds the claim and does nothing; a run that failed, or was left running for over two hours,
is taken over and resumed (every item is idempotent). Inside a job each item runs in its own
transaction, claimed with ``select_for_update(skip_locked=True)``; an item that meets an
unexpected state is skipped, the reason recorded on the run and in the log, and the job goes on.
"""
import logging
from collections import Counter
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from organisations.actors import SystemActor
from records.context import JOB, use_channel
from records.services import log_action

from .models import JobRun

logger = logging.getLogger(__name__)
STALE_AFTER = timedelta(hours=2)
MAX_SKIPPED_KEPT = 200


def actor_for(job: str) -> SystemActor:
    return SystemActor(f"daily.{job}")


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, (PermissionDenied, TransitionNotAllowed)):
        return f"{type(error).__name__}: {error}"
    return f"{type(error).__name__}: {error}"[:500]


class Report:
    """What one job did: counts per kind of effect, and the rows it skipped with the reason."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.skipped: list[dict] = []
        self.notes: dict = {}

    def item(self, label: str, work, *, model=None, pk=None, **still_due):
        """Run ``work(row)`` (or ``work()`` without ``model``) in its own transaction. With ``model``
        the row is claimed first (``select_for_update(skip_locked=True)``, still matching
        ``still_due``): a row another worker holds or that is no longer due is left alone. ``work``
        returns the name of what it did (counted) or None (nothing to do). Anything it raises skips
        this row only."""
        try:
            with transaction.atomic():
                if model is not None:
                    row = model.objects.select_for_update(skip_locked=True).filter(pk=pk, **still_due).first()
                    if row is None:
                        return None
                    done = work(row)
                else:
                    done = work()
        except (ValidationError, PermissionDenied, TransitionNotAllowed, IntegrityError, ValueError, LookupError) as error:
            self.skip(label, _reason(error))
            return None
        except Exception as error:  # noqa: BLE001 - one bad row never stops the daily run
            logger.exception("daily job item %s failed", label)
            self.skip(label, _reason(error))
            return None
        if done:
            self.counts[done] += 1
        return done

    def skip(self, label: str, reason: str) -> None:
        self.counts["skipped"] += 1
        if len(self.skipped) < MAX_SKIPPED_KEPT:
            self.skipped.append({"object": label, "reason": reason})
        logger.warning("daily job skipped %s: %s", label, reason)


def claim(job: str, day) -> JobRun | None:
    """This worker's claim on ``job`` for ``day``, or None when it is done or another worker runs it."""
    wall = timezone.now()
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job, day=day, status=JobRun.Status.RUNNING, started_at=wall)
    except IntegrityError:
        pass
    taken = (JobRun.objects.filter(job=job, day=day)
             .filter(Q(status=JobRun.Status.FAILED) | Q(status=JobRun.Status.RUNNING, started_at__lt=wall - STALE_AFTER))
             .update(status=JobRun.Status.RUNNING, started_at=wall, attempts=F("attempts") + 1, error=""))
    return JobRun.objects.get(job=job, day=day) if taken else None


def run_job(name: str, job, now) -> JobRun | None:
    day = timezone.localdate(now)
    run = claim(name, day)
    if run is None:
        return None
    actor = actor_for(name)
    report = Report()
    with use_channel(JOB):
        try:
            job(now=now, actor=actor, report=report)
        except Exception as error:  # noqa: BLE001 - the next job still runs
            logger.exception("daily job %s failed", name)
            run.status, run.error = JobRun.Status.FAILED, _reason(error)
        else:
            run.status = JobRun.Status.DONE
        run.counts = dict(report.counts)
        run.skipped = report.skipped
        run.finished_at = timezone.now()
        with transaction.atomic():
            run.save(update_fields=["status", "error", "counts", "skipped", "finished_at"])
            if not (run.counts or run.skipped or run.error):
                return run  # nothing changed: the run's row says so, the log records changes only
            log_action(actor=actor, action="cycle.job.failed" if run.error else "cycle.job.finished", obj=run,
                       to_state=run.status, remarks=run.error,
                       data={"day": str(day), "counts": run.counts, "skipped": run.skipped[:50], **report.notes})
    return run


def run_daily(now=None, *, only: tuple[str, ...] | None = None) -> dict[str, JobRun | None]:
    """Run every daily job for the day of ``now`` (default: the current time), in the fixed order."""
    from .jobs import JOBS

    now = now or timezone.now()
    return {name: run_job(name, job, now) for name, job in JOBS if only is None or name in only}
