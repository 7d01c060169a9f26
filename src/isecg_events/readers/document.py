r"""Reading a programme file's bytes into a plain document (TOML or JSON).

Every way a file can fail before its content is read (missing, too large,
not UTF-8, a syntax error) becomes a :class:`~isecg_events.errors.ProgrammeError`
naming the file and, where the parser knows it, the line and column.

TOML is parsed by rtoml (a compiled parser, four to six times as fast as
``tomllib`` on large files) when it is installed. ``tomllib`` stays the
judge of what is TOML: rtoml reads TOML 1.1, so a text that may use what
TOML 1.1 added (times without seconds, ``\e`` and ``\x`` escapes, inline
tables over several lines or with a trailing comma) is parsed by ``tomllib``,
and so is a text rtoml refuses, which gets ``tomllib``'s precise syntax error
(or is accepted: rtoml refuses nesting deeper than about 80). A differential
test (``tests/test_document.py``) holds the two to the same programme.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any, BinaryIO, Final

from isecg_events.errors import ProgrammeError
from isecg_events.rules import LIMITS

try:
    import rtoml as _rtoml
except ImportError:  # pragma: no cover - a platform without its wheel: tomllib alone
    _rtoml = None  # type: ignore[assignment]

__all__ = [
    "decode",
    "parse_json",
    "parse_toml",
    "read_bytes",
    "read_document",
    "read_stream",
]


# What TOML 1.1 reads and TOML 1.0 (tomllib of Python 3.11 to 3.13) refuses:
# a time without seconds (``07:30``, ``2026-06-01T07:30``), the ``\e`` and
# ``\xHH`` escapes, and inline tables over several lines or with a trailing
# comma. The searches are conservative: what only looks like one of them (in
# a string, say) costs the fast parser, never a wrong result. Each starts
# with a literal character, which the regular expression engine finds fast.
_CLOCK: Final = re.compile(r":(?<=[=,\[{\sTt]\d\d:)\d\d(?!:\d)")
_TRAILING_COMMA: Final = re.compile(r",\s*\}")
_BRACED_LINE: Final = re.compile(r"^.*[{}].*$", re.MULTILINE)


def _tomllib_judges(text: str) -> bool:
    """Whether ``text`` is left to tomllib: it may use what only TOML 1.1 allows.

    An inline table over several lines leaves a line whose braces do not pair;
    a byte-order mark, which rtoml skips and tomllib refuses, goes too.
    """
    if "\ufeff" in text or "\\e" in text or "\\x" in text:
        return True
    if any(not _in_a_string(text, match.start()) for match in _CLOCK.finditer(text)):
        return True
    if "{" in text or "}" in text:
        if _TRAILING_COMMA.search(text):
            return True
        return any(line.count("{") != line.count("}") for line in _BRACED_LINE.findall(text))
    return False


def _in_a_string(text: str, at: int) -> bool:
    """Whether ``at`` is surely inside a one-line string (else: perhaps not).

    It is when the line before it holds an odd number of one kind of quote,
    none of the other kind and no backslash.
    """
    before = text[text.rfind("\n", 0, at) + 1 : at]
    if "\\" in before:
        return False
    double, single = before.count('"'), before.count("'")
    return (double % 2 == 1 and single == 0) or (single % 2 == 1 and double == 0)


def read_document(raw: bytes, source: str, syntax: str) -> dict[str, Any]:
    """Decode and parse TOML or JSON bytes into a plain document.

    Raises:
        ProgrammeError: the bytes are empty, not UTF-8, or do not parse;
            the message gives the line and column.
    """
    text = decode(raw, source)
    if syntax == "json":
        return parse_json(text, source)
    return parse_toml(text, source)


def read_bytes(file: Path, source: str) -> bytes:
    """The file's bytes, within the size limit.

    Raises:
        ProgrammeError: missing, a folder, unreadable or too large.
    """
    try:
        if file.is_dir():
            raise ProgrammeError.single(source, "", "is a directory, not a programme file")
        with file.open("rb") as stream:
            return read_stream(stream, source)
    except FileNotFoundError:
        raise ProgrammeError.single(source, "", "no such file") from None
    except PermissionError:
        raise ProgrammeError.single(source, "", "permission denied") from None
    except OSError as error:
        raise ProgrammeError.single(source, "", f"cannot be read ({error.strerror})") from None


def read_stream(stream: BinaryIO, source: str) -> bytes:
    """A stream's bytes (a file, standard input), within the size limit.

    Read through the cap rather than trust the size the file system reports:
    a device or a pipe (/dev/zero, standard input) reports none.

    Raises:
        ProgrammeError: the stream holds more than the limit.
    """
    limit = LIMITS["file_bytes"]
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise ProgrammeError.single(source, "", f"is larger than the limit of {limit:,} bytes")
    return raw


def decode(raw: bytes, source: str) -> str:
    """The text of UTF-8 bytes, without the byte-order mark some tools write (Sessionize, Excel).

    Raises:
        ProgrammeError: empty, or not UTF-8 (with the place).
    """
    if not raw.strip():
        raise ProgrammeError.single(source, "", "is empty")
    if raw.startswith(b"\xef\xbb\xbf") and not raw[3:].strip():
        raise ProgrammeError.single(source, "", "is empty")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise ProgrammeError.single(
            source,
            "",
            f"is not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})",
            line=line,
            column=column,
        ) from None


_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def parse_toml(text: str, source: str, *, fast: bool = True) -> dict[str, Any]:
    """Parse TOML text, by rtoml when it is installed and ``fast``, else by ``tomllib``.

    Both give the same values; every error is ``tomllib``'s.

    Raises:
        ProgrammeError: a syntax error, with its line and column.
    """
    if fast and _rtoml is not None and not _tomllib_judges(text):
        try:
            document: dict[str, Any] = _rtoml.loads(text)
            return document
        except Exception:  # tomllib judges every text rtoml refuses
            pass
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        where = _TOML_WHERE.search(message)
        line = column = None
        if where:
            line, column = int(where.group(1)), int(where.group(2))
            message = message[: where.start()] + _hint(text, line)
        raise ProgrammeError.single(
            source, "", f"TOML syntax error: {message}", line=line, column=column
        ) from None
    except RecursionError:
        raise ProgrammeError.single(source, "", "TOML is nested too deeply") from None
    except ValueError as error:  # a number past Python's 4,300-digit conversion limit
        raise ProgrammeError.single(source, "", _value_error(error)) from None


#: A bare time of day as a TOML value (``start = 09:00``), which TOML has no syntax for.
_UNQUOTED_TIME = re.compile(r"^\s*([\w\"'.-]+)\s*=\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*(?:#.*)?$")


def _hint(text: str, line: int) -> str:
    """What to do about a syntax error that the docs warn of, when the line shows it."""
    lines = text.splitlines()
    found = _UNQUOTED_TIME.match(lines[line - 1]) if 0 < line <= len(lines) else None
    if found is None:
        return ""
    key, value = found.group(1), found.group(2)
    return f'; a time of day is a quoted string: {key} = "{value}"'


def _value_error(error: ValueError) -> str:
    """A parser's ValueError that is not a syntax error, in the reader's words."""
    if "digits" in str(error):
        return "holds a number too long to read (more than 4,300 digits)"
    return f"cannot be read ({error})"


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def parse_json(text: str, source: str) -> dict[str, Any]:
    """Parse JSON text whose top level is an object, refusing duplicate keys.

    Raises:
        ProgrammeError: a syntax error (with its line and column), a key
            given twice, nesting too deep, or a top level that is not an object.
    """
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as error:
        raise ProgrammeError.single(
            source,
            "",
            f"JSON syntax error: {error.msg}",
            line=error.lineno,
            column=error.colno,
        ) from None
    except _DuplicateKey as error:
        raise ProgrammeError.single(source, "", f"JSON object has the key {error} twice") from None
    except RecursionError:
        raise ProgrammeError.single(source, "", "JSON is nested too deeply") from None
    except ValueError as error:  # a number past Python's 4,300-digit conversion limit
        raise ProgrammeError.single(source, "", _value_error(error)) from None
    if not isinstance(document, dict):
        raise ProgrammeError.single(source, "", _not_an_object(document))
    return document


def _not_an_object(document: Any) -> str:
    """Why a JSON document whose top level is not an object is refused."""
    first = document[0] if isinstance(document, list) and document else None
    if isinstance(first, dict) and ("groupName" in first or "tagLine" in first):
        return (
            "is one of Sessionize's other views (Sessions, Speakers, Grid); "
            "export the 'All' view (https://sessionize.com/api/v2/<id>/view/All)"
        )
    return "the top level must be an object"
