"""Errors the library raises for bad input and failed output."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = ["ExportError", "IsecgEventsError", "Problem", "ProgrammeError"]


class IsecgEventsError(Exception):
    """Base class of every error the library raises on purpose."""


@attrs.frozen
class Problem:
    """One problem found in an input file, located by file, line and field path."""

    file: str
    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
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


class ExportError(IsecgEventsError):
    """An export could not be written; nothing was half-written."""
