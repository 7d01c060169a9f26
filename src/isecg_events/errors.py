"""Errors the library raises for bad input and failed output."""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable

import attrs

__all__ = [
    "ExportError",
    "IsecgEventsError",
    "OptionError",
    "Problem",
    "ProgrammeError",
    "ProgrammeWarning",
    "did_you_mean",
    "join_path",
    "printable",
    "printable_lines",
    "redact",
]


def printable(text: str) -> str:
    r"""``text`` with every character that is not printable shown as an escape.

    Control characters (C0 and C1, ESC among them), line and paragraph
    breaks, bidi and other format controls are shown as ``\x1b``, ``\n``,
    ``\u202e``: a message quoting user text can neither move the
    terminal's cursor, reorder what it shows, nor start a line of its own.
    """
    if text.isprintable():
        return text
    return "".join(
        character if character.isprintable() else repr(character)[1:-1] for character in text
    )


def printable_lines(text: str) -> str:
    """:func:`printable` line by line: data shown on a terminal cannot move its cursor."""
    return "".join(printable(line) + "\n" for line in text.splitlines())


#: A run of text up to its last ``@``: the user info of anything that looks
#: like a URL, malformed ones included (``https//alice:pw@host``,
#: ``alice:pw@host/cal/``). Greedy, so a password holding a raw ``@`` is
#: covered whole.
_BEFORE_AT = re.compile(r"\S+@")


def _hide_userinfo(match: re.Match[str]) -> str:
    before = match.group(0)[:-1]
    scheme, slashes, _ = before.rpartition("//")
    if slashes:
        return f"{scheme}//***@"
    if ":" in before:  # user:password@host without the slashes
        return "***@"
    return match.group(0)  # an e-mail address holds no secret


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with no credentials in it, for any message, log line or exception.

    Each of ``secrets`` (a password the caller holds) becomes ``***``, and so
    does the user info of URL-like text: everything between ``//`` and
    ``@``, or before an ``@`` that follows ``user:password`` without the
    slashes. A password given inside a URL is never shown, whatever error
    quotes the URL.

    >>> redact("https://alice:pw@host/cal/ is not a calendar")
    'https://***@host/cal/ is not a calendar'
    >>> redact("bad URL https//alice:pw@host and hunter2", ["hunter2"])
    'bad URL https//***@host and ***'
    >>> redact("--caldav alice:pw@host/cal/: no scheme; write to bob@example.org")
    '--caldav ***@host/cal/: no scheme; write to bob@example.org'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _BEFORE_AT.sub(_hide_userinfo, text)


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@functools.lru_cache(maxsize=512)
def _plain_key(key: str) -> bool:
    """Whether ``key`` needs no quoting; the readers' own field names recur in every path."""
    return _PLAIN_KEY.match(key) is not None


def join_path(path: str, key: str) -> str:
    """The path of ``key`` inside ``path``: ``events[0].title``, ``organizations["a b"]``."""
    if not path:
        return key
    if _plain_key(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for the option closest to ``word``, or nothing."""
    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {matches[0]!r}?" if matches else ""


class IsecgEventsError(Exception):
    """Base class of every error the library raises on purpose."""


@attrs.frozen
class Problem:
    """One problem found in an input file, located by file, line and field path.

    File, path and message are kept :func:`printable`: they quote user text
    (keys, values, file names) that may hold control or bidi characters.
    """

    file: str = attrs.field(converter=printable)
    path: str = attrs.field(converter=printable)
    message: str = attrs.field(converter=printable)
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if not self.file:  # found in a programme built in Python: no file, no line
            return f"{self.path}: {self.message}" if self.path else self.message
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ProgrammeError(IsecgEventsError, ValueError):
    """A programme file has one or more problems; all of them are listed."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @classmethod
    def single(cls, file: str, path: str, message: str, **where: int | None) -> ProgrammeError:
        """Build an error for one problem."""
        return cls([Problem(file, path, message, **where)])


class ProgrammeWarning(UserWarning):
    """Something in an input the library read by assumption (a time zone it inferred, say).

    Issued with :func:`warnings.warn`; the command line prints each as a
    ``warning:`` line on standard error. ``problem`` locates it as an error is.
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class ExportError(IsecgEventsError):
    """An export could not be written; nothing was half-written."""


class OptionError(IsecgEventsError, TypeError):
    """A render was given an option that its format (or formats) does not take."""
