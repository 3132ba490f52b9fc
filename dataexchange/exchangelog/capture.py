"""Capture policy: what of the submitted data may be stored, secrets removed, size capped.

Capturing never fails, whatever the value: it is copied without recursion, cut below
MAX_DEPTH levels and after about `max_chars` characters (so a huge or cyclic value costs no more
than a small one), and anything that is not plain JSON is stored as its text.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from urllib.parse import parse_qsl, urlencode
from uuid import UUID

import orjson

from dataexchange.exchangelog import conf

REDACTED = "[redacted]"
TRUNCATED = "…[truncated]"
TOO_DEEP = "…[too deep]"
UNPRINTABLE = "…[unprintable]"
# Far below the 254 levels orjson writes (and in 3.13 can corrupt memory at exactly 254);
# deeper objects and arrays are stored as TOO_DEEP.
MAX_DEPTH = 64
CONTAINERS = (dict, list, tuple)
# Plain JSON values kept as they are, with the fewest characters each takes in JSON text.
SCALARS = {str: 2, int: 1, float: 1, bool: 4, type(None): 4}
# Other values stored as JSON strings, as orjson writes them.
AS_TEXT = {datetime: datetime.isoformat, date: date.isoformat, time: time.isoformat, UUID: str}
INT_RANGE = range(-(2**63), 2**64)  # what orjson writes as a number
# orjson refuses what `fits` does not look into (dataclasses, subclasses), and datetimes.
PLAIN_ONLY = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)


@dataclass(frozen=True, slots=True)
class Captured:
    """Stored JSON text, and whether it is the whole value unchanged (safe to replay)."""

    text: str
    complete: bool


NOTHING = Captured("", False)


@dataclass(slots=True)
class Budget:
    """A capped copy in the making: the fewest characters its JSON text takes up to the member
    being copied, and whether it still is the whole value unchanged."""

    limit: int
    spent: int = 0
    whole: bool = True

    def room(self):
        """Return how many more characters the copy may take before it passes its limit."""
        return max(self.limit - self.spent, 0)

    def scalar(self, value):
        """Return a plain JSON scalar for `value`, a string cut to what the limit leaves."""
        kind = type(value)
        if kind not in SCALARS or (kind is int and value not in INT_RANGE):
            convert = AS_TEXT.get(kind)
            self.whole = self.whole and convert is not None
            value, kind = (convert or _text)(value), str
        self.spent += SCALARS[kind]
        if kind is str:
            if len(value) > self.room():
                value = value[: self.room() + 1]
            self.spent += len(value)
        return value


def fits(value, max_chars):
    """Return whether `value` nests at most MAX_DEPTH levels and holds at most `max_chars`
    members in all (each takes a character of text at least), looking no further than that."""
    level, depth, members = [value] if isinstance(value, CONTAINERS) else [], 1, 0
    while level:
        if depth > MAX_DEPTH:
            return False
        deeper = []
        for container in level:
            children = container.values() if isinstance(container, dict) else container
            members += len(children)
            if members > max_chars:
                return False
            deeper.extend(child for child in children if isinstance(child, CONTAINERS))
        level, depth = deeper, depth + 1
    return True


def _text(value):
    """Return `str(value)`, or UNPRINTABLE when even that fails."""
    try:
        return str(value)
    except Exception:  # any odd object: the log must never fail on it
        return UNPRINTABLE


@dataclass(frozen=True, slots=True)
class Policy:
    """The capture settings, read once per request: mode, size cap and secret key names."""

    mode: str  # "none", "errors" or "all"
    max_chars: int
    secret_words: tuple

    @classmethod
    def current(cls):
        """Return the policy of the current settings."""
        words = tuple(word.lower() for word in conf.get("REDACT_KEYS"))
        return cls(conf.get("CAPTURE"), conf.get("MAX_CAPTURE_CHARS"), words)

    def is_secret(self, key):
        """Return whether a key names a credential whose value must never be stored."""
        name = str(key).lower().replace("-", "_")
        return any(word in name for word in self.secret_words)

    def mentions_secret(self, text):
        """Return whether JSON text holds a secret word anywhere: keys appear in it verbatim, so
        when it does not, no key is secret."""
        name = text.lower().replace("-", "_")
        return any(word in name for word in self.secret_words)

    def capture(self, value):
        """Return the Captured JSON text of `value`: redacted, depth- and size-capped.

        A plain JSON value orjson writes whole, within max_chars and naming no secret, is kept
        as it is (the common case, at orjson's speed); any other goes through `copy`."""
        if value is None:
            return NOTHING
        text = None
        if fits(value, self.max_chars):
            try:
                text = orjson.dumps(value, option=PLAIN_ONLY).decode()
            except orjson.JSONEncodeError:  # not plain JSON
                pass
        if text is not None and len(text) <= self.max_chars and not self.mentions_secret(text):
            return Captured(text, True)
        clean, whole = self.copy(value)
        try:
            text = orjson.dumps(clean).decode()
        except orjson.JSONEncodeError:  # e.g. a lone surrogate, which only json writes
            text = json.dumps(clean, separators=(",", ":"))
        if len(text) > self.max_chars:
            return Captured(text[: self.max_chars] + TRUNCATED, False)
        return Captured(text, whole)

    def copy(self, value):
        """Return (a plain JSON copy of `value` with secrets redacted, cut below MAX_DEPTH and
        once its text is sure to pass max_chars; whether that is the whole value unchanged).

        Depth first in document order, so that what the cap cuts off is the end of the text."""
        budget = Budget(self.max_chars)
        holder = [None]
        stack = [(value, holder, 0, 1, 0)]  # (value, container, slot, depth, chars before)
        while stack:
            item, target, slot, depth, before = stack.pop()
            budget.spent += before
            if budget.spent > budget.limit:
                budget.whole = False
                break
            if isinstance(item, CONTAINERS):
                target[slot] = self._open(item, depth, budget, stack)
            else:
                target[slot] = budget.scalar(item)
        return holder[0], budget.whole

    def _open(self, container, depth, budget, stack):
        """Return the empty copy of a container, stacking its members (as many as may fit)."""
        if depth > MAX_DEPTH:
            budget.whole = False
            return TOO_DEEP
        budget.spent += 1  # the opening bracket; the closing one comes after the members
        room = budget.room() + 1  # each member takes a character at least
        if len(container) > room:
            budget.whole = False
        if isinstance(container, dict):
            members = self._members(container, room, budget)
            copy = dict.fromkeys(slot for _, slot, _ in members)  # filled as members are popped
        else:
            members = [(item, index, min(index, 1)) for index, item in enumerate(container[:room])]
            copy = [None] * len(members)
        for item, slot, chars in reversed(members):
            stack.append((item, copy, slot, depth + 1, chars))
        return copy

    def _members(self, mapping, room, budget):
        """Return (value, key, characters before the value) of a dict's first `room` members,
        secrets' values redacted, keys as text."""
        members = []
        for key, item in islice(mapping.items(), room):
            name = key if type(key) is str else _text(key)
            if self.is_secret(name):
                item, budget.whole = REDACTED, False
            budget.whole = budget.whole and name is key
            comma = 1 if members else 0
            members.append((item, name, len(name) + 3 + comma))  # quotes and colon
        return members

    def safe_query(self, query_string):
        """Return a query string without credentials (`api_key`, other secret names), capped."""
        if not query_string:
            return ""
        pairs = parse_qsl(query_string, keep_blank_values=True)
        return urlencode([(k, v) for k, v in pairs if not self.is_secret(k)])[:1000]
