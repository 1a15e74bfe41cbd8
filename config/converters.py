"""Path converters."""


class IdConverter:
    """A row id in a URL: at most 18 digits. Django's ``int`` converter accepts any number of
    digits, and a 30-digit id overflows the database's integer (a server error on SQLite, a
    needless query on PostgreSQL); such a path is simply not found."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))
