"""Celery application. Tasks are thin entry points in each app's ``tasks.py``."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("warmincasseren")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
