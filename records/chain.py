"""The log's hash chain: what a row's hashes cover, and how to compute them.

Every log row carries its position in the chain (``seq``, 1, 2, 3, ... without gaps), the hash of
the row before it (``prev_hash``; 64 zeros for the first row), a hash over its own content
(``content_hash``) and its chain hash::

    content_hash = sha256(canonical JSON of the content columns)
    hash         = sha256("v1|<seq>|<prev_hash>|<content_hash>|<created_at in UTC>")

with ``created_at`` written as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``. Changing, removing, inserting or
reordering a row after it was written breaks the chain at that row, which ``manage.py
verify_log`` finds.

The application computes ``content_hash`` (Python's JSON is the canonical form, so Python alone
has to reproduce it). Time and position are set where they cannot be forged: on PostgreSQL by a
``BEFORE INSERT`` trigger (migration 0006) that takes a transaction-level advisory lock, stamps
the database clock and computes ``seq``, ``prev_hash`` and ``hash`` with exactly the formula
above; elsewhere (SQLite, the single-machine set-up) by ``stamp_in_python`` under the writer lock.
Nothing here imports Django models, so migrations can use it too.
"""
import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

GENESIS = "0" * 64
VERSION = "v1"

# The columns a content hash covers, by their name in the canonical JSON. ``content_type`` is
# written as "app_label.model" so that the hash does not depend on a database's numbering.
CONTENT_KEYS = (
    "actor_id", "actor_label", "action", "content_type", "object_id", "object_repr",
    "organisation_id", "case_id", "channel", "from_state", "to_state", "remarks", "data",
)


def _number(value: int | float) -> str:
    """A number as PostgreSQL's ``jsonb`` gives it back: plain notation, no negative zero.

    ``jsonb`` stores numbers as exact decimals and prints ``1e+100`` as a 1 with 100 zeros and
    ``-0.0`` as ``0.0``; Python reads those back as other values than it wrote. Writing every
    number in plain decimal notation makes the written and the read-back value hash the same.
    """
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("NaN and infinity cannot be logged")
    decimal = Decimal(repr(value))
    if decimal.is_zero():
        decimal = decimal.copy_abs()
    return format(decimal, "f")


def canonical_json(value) -> str:
    """One text per JSON value: keys sorted, no spaces, UTF-8 as is, numbers in plain notation."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical_json(item) for item in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("log data keys must be strings")
        return "{" + ",".join(
            f"{json.dumps(key, ensure_ascii=False)}:{canonical_json(value[key])}" for key in sorted(value)
        ) + "}"
    raise TypeError(f"{type(value).__name__} cannot be logged as JSON")


def normalise_data(data) -> dict:
    """``data`` as the database gives it back (tuples become lists, and so on), or a clear error
    now for what JSON cannot hold (a date, a Decimal, NaN)."""
    return json.loads(json.dumps(data or {}, allow_nan=False))


def content_hash(content: dict) -> str:
    """``content`` has exactly the ``CONTENT_KEYS``."""
    if set(content) != set(CONTENT_KEYS):
        raise ValueError(f"content must have the keys {CONTENT_KEYS}")
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def format_time(moment: datetime) -> str:
    """The time as the chain hash covers it; PostgreSQL's trigger writes the same with
    ``to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(*, seq: int, prev_hash: str, content_hash: str, created_at: datetime) -> str:
    text = "|".join((VERSION, str(seq), prev_hash, content_hash, format_time(created_at)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_of(row, content_type_label: str) -> dict:
    """The content of a log row (a model instance, historical or not) for ``content_hash``."""
    return {
        "actor_id": row.actor_id,
        "actor_label": row.actor_label,
        "action": row.action,
        "content_type": content_type_label,
        "object_id": row.object_id,
        "object_repr": row.object_repr,
        "organisation_id": row.organisation_id,
        "case_id": row.case_id,
        "channel": row.channel,
        "from_state": row.from_state,
        "to_state": row.to_state,
        "remarks": row.remarks,
        "data": row.data,
    }


def lock_chain_for_python_writer(connection, table: str) -> None:
    """Take the database's writer lock before reading the chain's head (SQLite).

    SQLite has one writer at a time, but a transaction that has only read holds no write lock:
    two could read the same head and both append to it. A write statement (here one that
    matches no row) takes the writer lock for the rest of the transaction, so the head read
    next is the head this transaction appends to; a second writer waits or fails with
    "database is locked", it never forks the chain (``seq`` is unique besides).
    """
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {connection.ops.quote_name(table)} SET id = id WHERE id < 0")


def stamp_in_python(row, *, model, using: str, now: datetime) -> None:
    """Give ``row`` its time, position and hashes where no trigger does (SQLite).

    Call inside a transaction, after ``lock_chain_for_python_writer``. ``now`` is the time to
    record: SQLite runs inside the application's process, so its clock is the application's
    clock and there is no separate database time to ask for.
    """
    head = model._base_manager.using(using).order_by("-seq").values_list("seq", "hash").first()
    row.seq, row.prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
    row.created_at = now
    row.hash = chain_hash(seq=row.seq, prev_hash=row.prev_hash, content_hash=row.content_hash,
                          created_at=row.created_at)
