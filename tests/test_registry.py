"""The registry: every format through one render path, with declared options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import isecg_events
from isecg_events import OptionError
from isecg_events.exporters import EXPORTERS, get_exporter, render_all
from tests.programmes import RECURRING


def test_registry_lists_every_format_once(plenary: isecg_events.Programme) -> None:
    from isecg_events.exporters import EXPORTERS, get_exporter

    assert [e.name for e in EXPORTERS] == ["ics", "json", "xml", "text", "markdown", "html", "atom"]
    ics = get_exporter("ics")
    assert ics.media_type.startswith("text/calendar") and ics.extension == "ics"
    assert ics.render_event(plenary, "plenary-3").count(b"BEGIN:VEVENT") == 1
    with pytest.raises(ValueError, match="no file per event"):
        get_exporter("json").render_event(plenary, "plenary-3")
    with pytest.raises(KeyError):
        get_exporter("pdf")


def test_render_all_matches_each_exporter(plenary: isecg_events.Programme) -> None:
    from isecg_events.exporters import EXPORTERS, render_all

    names = [e.name for e in EXPORTERS]
    together = render_all(plenary, names, profile="rich")
    assert list(together) == names
    assert together["ics"] == isecg_events.to_ical(plenary, profile="rich")
    for exporter in EXPORTERS[1:]:
        assert together[exporter.name] == exporter.render(plenary)


@pytest.fixture
def composed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the events whose full description renders compose, in order."""
    from isecg_events.exporters import _prepared

    seen: list[str] = []
    real = _prepared.describe

    def spying(event: isecg_events.Event) -> str:
        seen.append(event.id)
        return real(event)

    monkeypatch.setattr(_prepared, "describe", spying)
    return seen


def test_render_all_derives_shared_text_once(
    composed: list[str], write_programme: Callable[..., Path]
) -> None:
    from isecg_events.exporters import EXPORTERS, render_all
    from tests.programmes import RECURRING

    programme = isecg_events.load(write_programme(RECURRING))
    render_all(programme, [e.name for e in EXPORTERS])
    assert sorted(composed) == sorted(e.id for e in programme.events)
    assert len(programme.occurrences) > len(programme.events)  # recurring: shared per event


def test_exporters_declare_their_options() -> None:
    options = {e.name: e.option_names for e in EXPORTERS}
    assert options == {
        "ics": ("profile", "refresh", "releases", "calendar_name"),
        "json": ("persons", "releases"),
        "xml": ("releases",),
        "text": ("width", "tz", "detail"),
        "markdown": ("width", "tz", "detail"),
        "html": ("base_url", "feeds", "releases"),
        "atom": ("releases",),
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
        render_all(plenary, ["text", "markdown"], profile="rich")
    with pytest.raises(OptionError, match="options: detail, tz, width"):
        render_all(plenary, ["text"], colour="red")


def test_render_all_hands_each_format_its_own_options(plenary: isecg_events.Programme) -> None:
    together = render_all(plenary, ["ics", "json", "text"], width=60, profile="rich")
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
    render_all(programme, ["text", "markdown", "html"])
    assert composed == []
    render_all(programme, ["ics", "json", "xml"])
    assert composed == [event.id for event in programme.events]  # once, shared by the three


@pytest.mark.parametrize("source", ["plenary", "recurring", "pretalx", "frab"])
def test_a_render_takes_each_events_guid_from_its_programme(source: str) -> None:
    from isecg_events import identity
    from isecg_events.exporters import Prepared
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
