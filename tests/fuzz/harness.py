"""Mutations of programme documents, and the oracle every outcome must satisfy."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import random
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import icalendar
from lxml import etree
from markdown_it import MarkdownIt

from isecg_events.cli import main
from isecg_events.exporters import native
from isecg_events.readers import bundled_path

#: What no line of standard error may hold raw.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)

PAYLOADS: list[Any] = [
    "",
    " ",
    "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:forged",
    'en:x;A="b",c',
    "\x1b[2J",
    "\u202eevil",
    "\ud800",
    "<b>&amp;</b>]]>",
    "# h\n\n* l",
    "a" * 1200,
    "Mars/Olympus",
    "localtime",
    "FREQ=DAILY;COUNT=3;INTERVAL=0",
    "FREQ=DAILY;UNTIL=99991231",
    "FREQ=WEEKLY;BYWEEKNO=99;COUNT=2",
    "99999999:00",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-14:00",
    "2026-03-29T02:30:00",
    "02:30",
    "javascript:alert(1)",
    "https://example.org/\r\nX:y",
    "0b0b4c1e-64f8-4a39-9bd4-1b5a8a6f2d11",
    -1,
    0,
    2**31,
    10**20,
    1.5,
    True,
    None,
    [],
    {},
    ["x"],
    {"id": "nobody"},
]


def seeds(reference: Path | None) -> dict[str, tuple[str, Any]]:
    """The valid documents mutations start from, by name: (syntax, parsed document)."""
    ours = tomllib.loads(bundled_path().read_text(encoding="utf-8"))
    found: dict[str, tuple[str, Any]] = {
        "ours.toml": ("toml", ours),
        "ours.json": ("json", json.loads(native.to_json(_programme(ours)))),
    }
    if reference is not None:
        for name in ("frab-camp2019.json", "pretalx-democon.json"):
            path = reference / "examples" / name
            if path.exists():
                found[name] = ("json", _trimmed(json.loads(path.read_text(encoding="utf-8"))))
    return found


def _trimmed(schedule: dict[str, Any], per_room: int = 2) -> dict[str, Any]:
    """A real schedule cut to its first two days and a few entries a room: fast cases."""
    conference = schedule["schedule"]["conference"]
    conference["days"] = conference["days"][:2]
    for day in conference["days"]:
        day["rooms"] = {room: entries[:per_room] for room, entries in day["rooms"].items()}
    return schedule


def _programme(document: dict[str, Any]) -> Any:
    from isecg_events import loads

    return loads(_toml(document))


def mutate(document: Any, rng: random.Random, steps: int) -> Any:
    """``document`` after ``steps`` random structural changes (the input is not changed)."""
    result = copy.deepcopy(document)
    for _ in range(steps):
        places = list(_places(result))
        if not places:
            break
        container, key = rng.choice(places)
        action = rng.randrange(7)
        if action == 0 and isinstance(container, dict):
            del container[key]
        elif action == 1 and isinstance(container, list):
            container.insert(key, copy.deepcopy(container[key]))  # a duplicate
        elif action == 2:
            container[key] = copy.deepcopy(rng.choice(PAYLOADS))
        elif action == 3 and isinstance(container[key], str):
            value = container[key]
            cut = rng.randrange(len(value) + 1)
            container[key] = value[:cut] + str(rng.choice(PAYLOADS)) + value[cut:]
        elif action == 4 and isinstance(container, dict):
            container[str(rng.choice(PAYLOADS))[:40] or "k"] = copy.deepcopy(container[key])
        elif action == 5:
            other_container, other_key = rng.choice(places)
            container[key], other_container[other_key] = (
                copy.deepcopy(other_container[other_key]),
                copy.deepcopy(container[key]),
            )
        else:
            container[key] = _nest(copy.deepcopy(container[key]), rng.randrange(1, 4))
    return result


def _places(value: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(value, dict):
        for key in list(value):
            yield value, key
            yield from _places(value[key])
    elif isinstance(value, list):
        for index in range(len(value)):
            yield value, index
            yield from _places(value[index])


def _nest(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


def render(syntax: str, document: Any, name: str) -> tuple[str, bytes]:
    """The file name and bytes of a mutated document (TOML that cannot hold it becomes JSON)."""
    if syntax == "toml":
        try:
            return "case.toml", _toml(document).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError):
            pass
    text = json.dumps(document, ensure_ascii=False, default=str)
    return "case.json", text.encode("utf-8", "surrogatepass")


def _toml(document: Any) -> str:
    """A small TOML writer for the shapes of our format (tables, arrays of tables, scalars)."""
    lines: list[str] = []

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, int | float):
            return repr(item)
        if isinstance(item, str):
            return json.dumps(item)
        if hasattr(item, "isoformat"):
            return item.isoformat()
        if isinstance(item, list) and all(not isinstance(i, dict | list) for i in item):
            return "[" + ", ".join(value(i) for i in item) + "]"
        if isinstance(item, dict) and all(not isinstance(i, dict | list) for i in item.values()):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(v)}" for k, v in item.items()) + "}"
        raise TypeError("not inline")

    def table(path: list[str], body: dict[str, Any], array: bool = False) -> None:
        header = ".".join(json.dumps(p) for p in path)
        lines.append(f"[[{header}]]" if array else f"[{header}]")
        nested = []
        for key, item in body.items():
            try:
                lines.append(f"{json.dumps(key)} = {value(item)}")
            except TypeError:
                nested.append((key, item))
        for key, item in nested:
            if isinstance(item, dict):
                table([*path, key], item)
            elif isinstance(item, list) and all(isinstance(i, dict) for i in item):
                for element in item:
                    table([*path, key], element, array=True)
            else:
                raise TypeError("cannot write")

    if not isinstance(document, dict):
        raise TypeError("not a table")
    for key, item in document.items():
        if isinstance(item, dict):
            table([key], item)
        elif isinstance(item, list) and all(isinstance(i, dict) for i in item):
            for element in item:
                table([key], element, array=True)
        else:
            lines.insert(0, f"{json.dumps(key)} = {value(item)}")
    return "\n".join(lines) + "\n"


def xml_mutations(raw: bytes, rng: random.Random, steps: int) -> bytes:
    """Mutations of schedule.xml text: element text and attributes replaced, tags dropped."""
    text = raw.decode("utf-8")
    for _ in range(steps):
        choice = rng.randrange(4)
        spots = [m.span(1) for m in re.finditer(r">([^<]*)<", text)]
        attributes = [m.span(1) for m in re.finditer(r'="([^"]*)"', text)]
        if choice == 0 and spots:
            start, end = rng.choice(spots)
            payload = _xml_escape(str(rng.choice(PAYLOADS)))
            text = text[:start] + payload + text[end:]
        elif choice == 1 and attributes:
            start, end = rng.choice(attributes)
            text = text[:start] + _xml_escape(str(rng.choice(PAYLOADS)), True) + text[end:]
        elif choice == 2:
            tags = [m.span() for m in re.finditer(r"<[a-z_]+>[^<]*</[a-z_]+>", text)]
            if tags:
                start, end = rng.choice(tags)
                text = text[:start] + text[end:]
        else:
            text = text.replace("<event ", '<event id="²" ', 1)
    return text.encode("utf-8", "surrogatepass")


def _xml_escape(text: str, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    if attribute:
        text = text.replace('"', "&quot;")
    return "".join(f"&#{ord(c)};" if ord(c) < 32 else c for c in text)


def run_cli(arguments: list[str]) -> tuple[int, str, str]:
    """Run the command line in this process; (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(arguments)
        except SystemExit as exit:  # argparse
            code = exit.code if isinstance(exit.code, int) else 2
    return code, out.getvalue(), err.getvalue()


class OracleError(AssertionError):
    """An outcome the oracle forbids."""


def check_case(folder: Path, name: str, content: bytes) -> str:
    """Run validate, then export when it passes; raise :class:`OracleError` on a broken promise.

    Returns:
        ``"refused"`` or ``"exported"``.
    """
    source = folder / name
    source.write_bytes(content)
    code, _, err = run_cli(["validate", str(source)])
    _expect(code in (0, 2), f"validate exit {code}: {err[-500:]}")
    _expect(not UNSAFE.search(err), f"raw control character in: {err[-300:]!r}")
    _expect("Traceback" not in err, err[-500:])
    output = folder / "out"
    before = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
    code2, _, err2 = run_cli(["export", str(source), "--split", "--output", str(output)])
    _expect(not UNSAFE.search(err2), f"raw control character in: {err2[-300:]!r}")
    if code != 0:
        _expect(code2 == 2, f"validate refused, export exit {code2}")
        after = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
        _expect(after == before, "a failed run changed earlier outputs")
        return "refused"
    _expect(code2 == 0, f"validate passed, export exit {code2}: {err2[-500:]}")
    _judge(output, source)
    return "exported"


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise OracleError(message)


def _judge(output: Path, source: Path) -> None:
    """Every output parses, and holds exactly what the programme holds."""
    from isecg_events import load

    programme = load(source)
    schedule = json.loads((output / "schedule.json").read_bytes())
    entries = [
        entry
        for day in schedule["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for entry in room
    ]
    live = [o for o in programme.occurrences if o.event.status != "cancelled"]
    _expect(len(entries) == len(live), "schedule.json entries: every live occurrence")
    xml = etree.fromstring((output / "schedule.xml").read_bytes())
    _expect(len(xml.findall(".//event")) == len(live), "schedule.xml events")
    feed = output / f"{programme.conference.id}.ics"
    calendar = icalendar.Calendar.from_ical(feed.read_bytes())
    uids = sorted(str(event.get("UID")) for event in calendar.walk("VEVENT"))
    expected = sorted(str(o.guid) for o in programme.occurrences if o.index == 0)
    _expect(uids == expected, "the feed's VEVENTs are not the programme's events")
    for event in programme.events:
        single = icalendar.Calendar.from_ical((output / "events" / f"{event.id}.ics").read_bytes())
        _expect(len(single.walk("VEVENT")) == 1, f"events/{event.id}.ics")
    tokens = MarkdownIt("commonmark").parse((output / "agenda.md").read_text(encoding="utf-8"))
    _expect("html_block" not in {t.type for t in tokens}, "HTML in agenda.md")
    headings = sum(1 for t in tokens if t.type == "heading_open")
    days = len(programme.occurrences_by_day())
    _expect(headings == 1 + days + len(programme.occurrences), "agenda.md headings")


def cases(
    reference: Path | None, count: int, seed: int
) -> Iterator[tuple[str, Callable[[], tuple[str, bytes]]]]:
    """``count`` cases: (seed name, a function giving the file name and bytes)."""
    rng = random.Random(seed)
    documents = seeds(reference)
    xml_seed = _xml_seed(documents)
    names = sorted(documents) + (["schedule.xml"] if xml_seed else [])
    for index in range(count):
        name = names[index % len(names)]
        steps = rng.randrange(1, 4)
        case_rng = random.Random(rng.random())
        if name == "schedule.xml":
            assert xml_seed is not None
            yield name, lambda r=case_rng, s=steps: ("case.xml", xml_mutations(xml_seed, r, s))
        else:
            syntax, document = documents[name]

            def build(d: Any = document, r: random.Random = case_rng, s: int = steps,
                      x: str = syntax, n: str = name) -> tuple[str, bytes]:  # fmt: skip
                return render(x, mutate(d, r, s), n)

            yield name, build


def _xml_seed(documents: dict[str, tuple[str, Any]]) -> bytes | None:
    """A real schedule.xml: the frab camp schedule, exported by us as XML."""
    if "frab-camp2019.json" not in documents:
        return None
    from isecg_events import loads, to_schedule_xml

    camp = json.dumps(documents["frab-camp2019.json"][1])
    return to_schedule_xml(loads(camp, syntax="json"))
