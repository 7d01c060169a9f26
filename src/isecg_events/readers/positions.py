"""Where each value of a TOML or JSON document sits: line and column, for problems.

Computed only when a file has problems (the happy path never scans twice):
:func:`locate` takes the document's text and its problems, and gives each
problem the line and column of the value its path names, or of the nearest
table or object that holds it (for a missing field, the line of its table).
Paths are read in every form the readers write: ``events[4].end``,
``participants["a b"].name``, ``schedule.conference.days[0].rooms['R'][0].date``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import attrs

from isecg_events.errors import Problem

__all__ = ["Key", "json_positions", "locate", "split_path", "toml_positions"]

Key = tuple[str | int, ...]
Positions = dict[Key, tuple[int, int]]

_PART = re.compile(
    r"""\.?([A-Za-z0-9_$-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\['((?:[^'\\]|\\.)*)'\]"""
)


def split_path(path: str) -> Key:
    """``events[4].segments[0].start`` -> ``("events", 4, "segments", 0, "start")``."""
    parts: list[str | int] = []
    position = 0
    while position < len(path):
        match = _PART.match(path, position)
        if match is None or match.end() == position:
            break
        name, index, quoted, single = match.groups()
        if index is not None:
            parts.append(int(index))
        elif quoted is not None:
            try:
                parts.append(json.loads(quoted))
            except ValueError:  # a key shown with printable() escapes: as it reads
                parts.append(quoted[1:-1])
        elif single is not None:
            parts.append(single.encode().decode("unicode_escape"))
        else:
            parts.append(name)
        position = match.end()
    return tuple(parts)


def locate(problems: Iterable[Problem], text: str, syntax: str) -> list[Problem]:
    """The problems, each with the line and column of what its path names (if it has none)."""
    problems = list(problems)
    if not any(p.line is None and p.path for p in problems):
        return problems
    try:
        positions = json_positions(text) if syntax == "json" else toml_positions(text)
    except (ValueError, IndexError):  # text the parser took but this scanner does not: no lines
        return problems
    result = []
    for problem in problems:
        if problem.line is not None or not problem.path:
            result.append(problem)
            continue
        key = split_path(problem.path)
        while key and key not in positions:
            key = key[:-1]
        where = positions.get(key)
        result.append(attrs.evolve(problem, line=where[0], column=where[1]) if where else problem)
    return result


# -- JSON -------------------------------------------------------------------------

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")


def json_positions(text: str) -> Positions:
    """Every value's (line, column), by its key path (1-based, columns in characters)."""
    positions: Positions = {}
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def where(index: int) -> tuple[int, int]:
        low, high = 0, len(starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if starts[middle] <= index:
                low = middle
            else:
                high = middle - 1
        return low + 1, index - starts[low] + 1

    decoder = json.JSONDecoder()

    def value(index: int, key: Key) -> int:
        index = _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]
        positions[key] = where(index)
        char = text[index]
        if char == "{":
            index = _WHITESPACE.match(text, index + 1).end()  # type: ignore[union-attr]
            if text[index] == "}":
                return index + 1
            while True:
                name, index = decoder.raw_decode(text, index)
                index = _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]
                index = value(index + 1, (*key, str(name)))  # past ':'
                index = _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]
                if text[index] == "}":
                    return index + 1
                index = _WHITESPACE.match(text, index + 1).end()  # type: ignore[union-attr]
        if char == "[":
            index = _WHITESPACE.match(text, index + 1).end()  # type: ignore[union-attr]
            if text[index] == "]":
                return index + 1
            count = 0
            while True:
                index = value(index, (*key, count))
                count += 1
                index = _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]
                if text[index] == "]":
                    return index + 1
                index += 1
        if char == '"':
            return int(decoder.raw_decode(text, index)[1])
        literal = _NUMBER.match(text, index)
        if literal and literal.end() > index:
            return literal.end()
        for word in ("true", "false", "null"):
            if text.startswith(word, index):
                return index + len(word)
        raise ValueError(f"unexpected {char!r}")

    value(0, ())
    return positions


# -- TOML -------------------------------------------------------------------------

_BARE = r"[A-Za-z0-9_-]+"
_KEY_PART = rf'(?:{_BARE}|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = re.compile(rf"\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*")


def _key_parts(dotted: str) -> list[str]:
    parts = re.findall(_KEY_PART, dotted)
    return [json.loads(p) if p.startswith('"') else p.strip("'") for p in parts]


def toml_positions(text: str) -> Positions:
    """Every key's value, table and array-of-tables element: (line, column), by key path."""
    positions: Positions = {(): (1, 1)}  # the document: for a missing top-level table
    counts: dict[Key, int] = {}
    table: Key = ()
    lines = text.split("\n")
    number = 0
    while number < len(lines):
        line = lines[number]
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped.startswith("[["):
            names = _key_parts(stripped[2 : stripped.index("]]")])
            parent = _resolve(names[:-1], counts)
            array = (*parent, names[-1])
            index = counts.get(array, -1) + 1
            counts[array] = index
            table = (*array, index)
            positions.setdefault(array, (number + 1, indent + 1))
            positions[table] = (number + 1, indent + 1)
        elif stripped.startswith("["):
            table = _resolve(_key_parts(stripped[1 : stripped.index("]")]), counts)
            positions[table] = (number + 1, indent + 1)
            for size in range(1, len(table)):  # [a.b] makes table a too, here
                positions.setdefault(table[:size], (number + 1, indent + 1))
        elif stripped and not stripped.startswith("#"):
            match = _DOTTED.match(line)
            if match and line[match.end() : match.end() + 1] == "=":
                key = (*table, *_key_parts(match.group(1)))
                start = len(line) - len(line[match.end() + 1 :].lstrip())
                positions[key] = (number + 1, start + 1)
                number = _value(lines, number, start, key, positions)
                continue
        number += 1
    return positions


def _resolve(names: list[str], counts: dict[Key, int]) -> Key:
    """A table header's path, with the current element of each array of tables in it."""
    path: Key = ()
    for name in names:
        path = (*path, name)
        if path in counts:
            path = (*path, counts[path])
    return path


def _value(lines: list[str], number: int, start: int, key: Key, positions: Positions) -> int:
    """Scan one value from (number, start); record array elements and inline-table keys.

    Returns the index of the line after the value.
    """
    stack: list[tuple[Key, int]] = []  # (path, next index or -1 for an inline table)
    row, column = number, start
    expect_value = True
    current = key
    while row < len(lines):
        line = lines[row]
        while column < len(line):
            char = line[column]
            if char in " \t,":
                if char == "," and stack and stack[-1][1] >= 0:
                    expect_value = True
                column += 1
                continue
            if char == "#":
                break
            if expect_value and stack and stack[-1][1] >= 0:
                path, index = stack[-1]
                current = (*path, index)
                stack[-1] = (path, index + 1)
                positions[current] = (row + 1, column + 1)
            expect_value = False
            if char == "[":
                stack.append((current, 0))
                expect_value = True
                column += 1
            elif char == "{":
                stack.append((current, -1))
                column += 1
                inner = _DOTTED.match(line, column)
                if inner and line[inner.end() : inner.end() + 1] == "=":
                    current = (*stack[-1][0], *_key_parts(inner.group(1)))
                    column = len(line) - len(line[inner.end() + 1 :].lstrip())
                    positions[current] = (row + 1, column + 1)
            elif char in "]}":
                stack.pop()
                column += 1
                if not stack:
                    return row + 1
            elif char == "," or char == "=":
                column += 1
            elif char in "\"'":
                triple = line.startswith(char * 3, column)
                if triple:
                    end = line.find(char * 3, column + 3)
                    while end < 0:
                        row += 1
                        line = lines[row]
                        end = line.find(char * 3)
                        column = 0
                    column = end + 3
                else:
                    column = _string_end(line, column, char)
                if not stack:
                    return row + 1
            else:
                while column < len(line) and line[column] not in ",]} \t#":
                    column += 1
                if not stack:
                    return row + 1
            if stack and stack[-1][1] < 0:  # inside an inline table: the next key
                inner = _DOTTED.match(line, column)
                rest = line[column:].lstrip()
                if rest.startswith(","):
                    inner = _DOTTED.match(line, line.index(",", column) + 1)
                if inner and line[inner.end() : inner.end() + 1] == "=":
                    current = (*stack[-1][0], *_key_parts(inner.group(1)))
                    column = len(line) - len(line[inner.end() + 1 :].lstrip())
                    positions[current] = (row + 1, column + 1)
                    expect_value = False
        row += 1
        column = 0
        if not stack:
            return row
    return row


def _string_end(line: str, column: int, quote: str) -> int:
    index = column + 1
    while index < len(line):
        if quote == '"' and line[index] == "\\":
            index += 2
            continue
        if line[index] == quote:
            return index + 1
        index += 1
    return index
