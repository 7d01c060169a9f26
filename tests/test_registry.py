"""The registry: every format through one render path, with declared options."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

import isecg_events
from isecg_events import OptionError
from isecg_events.exporters import EXPORTERS, get_exporter, render, render_all, render_events
from tests.programmes import RECURRING

IMPORTS = Path(__file__).parent / "data" / "imports"


def test_registry_lists_every_format_once(plenary: isecg_events.Programme) -> None:
    assert list(EXPORTERS) == [
        "ics",
        "json",
        "xml",
        "text",
        "markdown",
        "html",
        "sessionize",
        "atom",
    ]
    assert all(name == exporter.name for name, exporter in EXPORTERS.items())
    ics = get_exporter("ics")
    assert ics.media_type.startswith("text/calendar") and ics.extension == "ics"
    assert ics.render_event(plenary, "plenary-3").count(b"BEGIN:VEVENT") == 1
    with pytest.raises(ValueError, match="no file per event"):
        get_exporter("json").render_event(plenary, "plenary-3")
    with pytest.raises(KeyError):
        get_exporter("pdf")


def test_render_matches_each_exporter(plenary: isecg_events.Programme) -> None:
    names = list(EXPORTERS)
    together = render(plenary, names, profile="rich")
    assert list(together) == names
    assert together["ics"] == isecg_events.to_ical(plenary, profile="rich")
    for name in names[1:]:
        assert together[name] == get_exporter(name).render(plenary)


def test_render_all_is_a_deprecated_alias_of_render(plenary: isecg_events.Programme) -> None:
    with pytest.warns(DeprecationWarning, match="use render"):
        old = render_all(plenary, ["ics", "text"], width=60)
    assert old == render(plenary, ["ics", "text"], width=60)


def test_releases_is_a_parameter_of_the_render_not_an_option(
    plenary: isecg_events.Programme, tmp_path: Path
) -> None:
    history = isecg_events.History.read(tmp_path / "releases")
    history.record(plenary, name="v1", at=datetime(2017, 6, 1, tzinfo=UTC))
    history = isecg_events.History.read(tmp_path / "releases")
    names = ["ics", "json", "xml", "html", "atom"]
    followed = render(plenary, names, releases=history)
    assert followed["ics"] == isecg_events.to_ical(plenary, releases=history)
    assert followed["json"] == isecg_events.to_schedule_json(plenary, releases=history)
    assert b'"version":"v1"' in followed["json"]
    assert b"<title>v1</title>" in followed["atom"]
    assert b"<entry>" not in render(plenary, ["atom"])["atom"]  # no history: no entries
    assert all("releases" not in e.option_names for e in EXPORTERS.values())
    events = render_events(plenary, ["ics"], releases=history)["ics"]
    assert events == get_exporter("ics").render_events(plenary, releases=history)


@pytest.fixture
def composed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the events whose full description renders compose, in order."""
    from isecg_events.exporters import _prepared

    seen: list[str] = []
    real = _prepared.describe

    def spying(event: isecg_events.Event, plain: Callable[[str, str], str]) -> str:
        seen.append(event.id)
        return real(event, plain)  # type: ignore[arg-type]

    monkeypatch.setattr(_prepared, "describe", spying)
    return seen


@pytest.fixture
def converted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text a render converts from its markup (Markdown or HTML), in order."""
    from isecg_events.exporters import _prepared

    seen: list[str] = []
    real = _prepared.blocks

    def spying(text: str, markup: str) -> tuple[object, ...]:
        seen.append(text)
        return real(text, markup)  # type: ignore[arg-type]

    monkeypatch.setattr(_prepared, "blocks", spying)
    return seen


def test_render_derives_shared_text_once(
    composed: list[str], write_programme: Callable[..., Path]
) -> None:
    programme = isecg_events.load(write_programme(RECURRING))
    render(programme, list(EXPORTERS))
    assert sorted(composed) == sorted(e.id for e in programme.events)
    assert len(programme.occurrences) > len(programme.events)  # recurring: shared per event


@pytest.mark.parametrize("name", ["pentabarf-fosdem2018-excerpt.xml", "pretalx-rc3-excerpt.json"])
def test_a_whole_site_converts_each_text_once(
    name: str, composed: list[str], converted: list[str]
) -> None:
    """Every format, each event's file and every feed: one conversion of each text."""
    from isecg_events.exporters.feeds import site_files

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", isecg_events.ProgrammeWarning)
        programme = isecg_events.load(IMPORTS / name)
    texts = {e.abstract for e in programme.events} | {e.description for e in programme.events}
    assert any(e.markup != "plain" for e in programme.events)
    files = site_files(programme, list(EXPORTERS)[:-1], {}, split=True, feeds=True)
    assert any(path.startswith("people/") for path in files)
    assert len(converted) == len(set(converted))  # none twice
    assert len(converted) <= len(texts - {None})
    assert sorted(composed) == sorted(e.id for e in programme.events)  # each once


def test_exporters_declare_their_options() -> None:
    options = {name: e.option_names for name, e in EXPORTERS.items()}
    assert options == {
        "ics": ("profile", "refresh"),
        "json": ("persons",),
        "xml": (),
        "text": ("width", "tz", "detail"),
        "markdown": ("width", "tz", "detail"),
        "html": ("base_url",),
        "sessionize": (),
        "atom": ("base_url",),
    }


def test_render_takes_the_declared_options(plenary: isecg_events.Programme) -> None:
    text = get_exporter("text").render(plenary, width=60, tz="Europe/Paris", detail="brief")
    assert text.decode() == isecg_events.to_agenda(
        plenary, width=60, tz="Europe/Paris", detail="brief"
    )
    assert max(len(line) for line in text.decode().splitlines()) <= 60
    assert "03:30" in text.decode()  # 09:30 in Beijing is 03:30 in Paris
    rich = get_exporter("ics").render(plenary, profile="rich")
    assert b"BEGIN:PARTICIPANT" in rich
    assert rich == isecg_events.to_ical(plenary, profile="rich")


def test_an_option_a_format_does_not_take_is_a_type_error(
    plenary: isecg_events.Programme,
) -> None:
    with pytest.raises(TypeError, match="no option 'width' for format json"):
        get_exporter("json").render(plenary, width=60)
    with pytest.raises(OptionError, match="no option 'profile' for format text, markdown"):
        render(plenary, ["text", "markdown"], profile="rich")
    with pytest.raises(OptionError, match="options: detail, tz, width"):
        render(plenary, ["text"], colour="red")
    with pytest.raises(OptionError, match="it takes no options"):
        render(plenary, ["xml"], calendar_name="mine")


def test_render_hands_each_format_its_own_options(plenary: isecg_events.Programme) -> None:
    together = render(plenary, ["ics", "json", "text"], width=60, profile="rich")
    assert together["ics"] == isecg_events.to_ical(plenary, profile="rich")
    assert together["json"] == isecg_events.to_schedule_json(plenary)
    assert together["text"].decode() == isecg_events.to_agenda(plenary, width=60)


def test_render_events_prepares_once_and_matches_render_event(
    write_programme: Callable[..., Path],
) -> None:
    programme = isecg_events.load(write_programme(RECURRING))
    ics = get_exporter("ics")
    assert list(ics.render_events(programme)) == [e.id for e in programme.events]
    each = ics.render_events(programme, profile="rich")
    ids = [e.id for e in programme.events]
    assert [name for name in each if name in ids] == ids
    for event_id in ids:
        content = each[event_id]
        assert content == ics.render_event(programme, event_id, profile="rich")
        assert content == isecg_events.event_to_ical(programme, event_id, profile="rich")


def test_every_split_file_holds_one_vevent_uid(write_programme: Callable[..., Path]) -> None:
    """A CalDAV server stores one UID per resource: rich children get files of their own."""
    import icalendar

    programme = isecg_events.load(write_programme(RECURRING))
    (panel,) = [e for e in programme.events if e.id == "panel"]
    timed = [s for s in panel.segments if s.start and s.end]
    files = get_exporter("ics").render_events(programme, profile="rich")
    assert [n for n in files if n.startswith("panel.")] == [
        f"panel.part-{n}" for n in range(1, len(timed) + 1)
    ]
    for name, content in files.items():
        calendar = icalendar.Calendar.from_ical(content)
        uids = {str(event["UID"]) for event in calendar.walk("VEVENT")}
        assert len(uids) == 1, name
        assert calendar.get_missing_tzids() == set()
    parent = icalendar.Calendar.from_ical(files["panel"]).walk("VEVENT")[0]
    child = icalendar.Calendar.from_ical(files["panel.part-1"]).walk("VEVENT")[0]
    assert str(child["RELATED-TO"][0] if isinstance(child["RELATED-TO"], list)
               else child["RELATED-TO"]) == str(parent["UID"])  # fmt: skip
    with pytest.raises(KeyError):
        get_exporter("ics").render_event(programme, "nope")


def test_only_the_formats_that_show_it_compose_the_full_description(
    composed: list[str],
) -> None:
    # The agendas and the page do not show it; composing it was a tenth of their render.
    programme = isecg_events.load()
    render(programme, ["text", "markdown", "html"])
    assert composed == []
    render(programme, ["ics", "json", "xml"])
    assert composed == [event.id for event in programme.events]  # once, shared by the three


@pytest.mark.parametrize("source", ["plenary", "recurring", "pretalx", "frab"])
def test_a_render_takes_each_events_guid_from_its_programme(source: str) -> None:
    from isecg_events import identity
    from isecg_events.exporters._prepared import Prepared
    from tests.programmes import reference

    programme = {
        "plenary": isecg_events.load,
        "recurring": lambda: isecg_events.loads(RECURRING),
        "pretalx": lambda: isecg_events.load(reference("examples/pretalx-democon.json")),
        "frab": lambda: isecg_events.load(reference("examples/frab-camp2019.json")),
    }[source]()
    prepared = Prepared(programme)
    conference = programme.conference.id
    for event in programme.events:
        expected = identity.event_guid(conference, event.id, event.guid)
        assert prepared.event_guid(event) == expected


def test_a_format_lookup_explains_itself_and_one_name_is_a_format(
    plenary: isecg_events.Programme,
) -> None:
    with pytest.raises(
        KeyError, match=r"no format 'icss'; did you mean 'ics'\? \(formats: ics, json"
    ):
        isecg_events.render(plenary, ["icss"])
    assert list(isecg_events.render(plenary, "ics")) == ["ics"]  # not 'i', 'c', 's'
    assert list(isecg_events.render_events(plenary, "ics")) == ["ics"]
