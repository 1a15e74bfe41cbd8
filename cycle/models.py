"""What the daily jobs did (issue 11): one row per job per day."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """A job's run on one day. Unique per job and day: a second run that day finds this claim and
    does nothing (or resumes a run that failed or was left unfinished; every item is idempotent)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=60)
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    # {"opened": 3, "skipped": 1, ...}: what the job did.
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # [{"object": "WI-2026-0001", "reason": "..."}]: the rows it met in an unexpected state.
    skipped = models.JSONField(_("skipped"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-day", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="one_run_per_job_per_day")]

    def __str__(self) -> str:
        return f"{self.job} {self.day}"
