"""Walk the whole log in chain order and check that no row was changed, removed, inserted or
reordered after it was written (the hash chain of ``records.chain``).

Prints ``OK: N rows`` and the last row's hash (keep it somewhere else, e.g. in the monthly
report: a chain can only prove that nothing changed *before* a hash you still trust), or names
the first row that does not fit and exits with status 1. Streams the rows, so memory stays
constant on millions of rows.
"""
from contextlib import closing

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError

from records import chain
from records.models import LogEntry

COLUMNS = (
    "id", "seq", "prev_hash", "content_hash", "hash", "created_at", "actor_id", "actor_label", "action",
    "content_type_id", "object_id", "object_repr", "organisation_id", "case_id", "channel", "from_state",
    "to_state", "remarks", "data",
)


class _Row:
    __slots__ = COLUMNS

    def __init__(self, values):
        for name, value in zip(COLUMNS, values, strict=True):
            setattr(self, name, value)


def problem_with(row: _Row, *, previous: _Row | None, content_types: dict[int, str]) -> str:
    """What is wrong with ``row`` given the row before it, or ``""``."""
    expected_seq = previous.seq + 1 if previous else 1
    if row.seq != expected_seq:
        return (f"rows are missing before it: expected position {expected_seq}, found {row.seq} "
                f"(deleted, or the positions were changed)")
    expected_link = previous.hash if previous else chain.GENESIS
    if row.prev_hash != expected_link:
        where = f"the row before it (seq {previous.seq}, id {previous.id})" if previous else "the start of the chain"
        return (f"it does not link to {where}: its prev_hash is {row.prev_hash}, expected {expected_link} "
                f"(a row was inserted, removed or moved here)")
    content = chain.content_of(row, content_types.get(row.content_type_id, f"?{row.content_type_id}"))
    if chain.content_hash(content) != row.content_hash:
        return "its content was changed after it was written (the content hash does not match)"
    expected_hash = chain.chain_hash(seq=row.seq, prev_hash=row.prev_hash, content_hash=row.content_hash,
                                     created_at=row.created_at)
    if row.hash != expected_hash:
        return "its time, position or hashes were changed after it was written (the hash does not match)"
    return ""


class Command(BaseCommand):
    help = "Verify the hash chain of the log: every row unchanged, none missing, inserted or moved."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000, help="rows fetched per round trip")

    def handle(self, *args, chunk_size: int, **options):
        content_types = {pk: f"{app}.{model}" for pk, app, model in
                         ContentType.objects.values_list("pk", "app_label", "model")}
        rows = LogEntry.objects.order_by("seq").values_list(*COLUMNS).iterator(chunk_size=chunk_size)
        previous, count = None, 0
        # closing(): on an early stop the server-side cursor is closed now, in this transaction,
        # not later by the garbage collector in whatever transaction runs then.
        with closing(rows):
            for values in rows:
                row = _Row(values)
                problem = problem_with(row, previous=previous, content_types=content_types)
                if problem:
                    raise CommandError(
                        f"FAILED at row seq {row.seq}, id {row.id}, time {row.created_at.isoformat()}, "
                        f"action {row.action}: {problem}. The {count} rows before it are intact."
                    )
                previous, count = row, count + 1
                if options["verbosity"] >= 2 and count % 100_000 == 0:
                    self.stdout.write(f"... {count} rows")
        last = f"; last row seq {previous.seq}, hash {previous.hash}" if previous else ""
        self.stdout.write(f"OK: {count} rows{last}")
