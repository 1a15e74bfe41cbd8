"""Columns that the database sets when a log row is inserted.

On PostgreSQL the chain trigger overwrites ``created_at``, ``seq``, ``prev_hash`` and ``hash``
whatever the application sent; ``db_returning`` makes Django read the stored values back in the
same ``INSERT ... RETURNING`` (as it does for the primary key and for ``GeneratedField``), so the
saved instance shows what the database wrote, without a second query.
"""
from django.db import models


class _ReturnedOnInsert:
    db_returning = True


class DatabaseTimeField(_ReturnedOnInsert, models.DateTimeField):
    pass


class ChainPositionField(_ReturnedOnInsert, models.BigIntegerField):
    pass


class ChainHashField(_ReturnedOnInsert, models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(*args, **kwargs)
