"""Subscriber feeds (Programme.select, identity.feed_slug, exporters/feeds.py, export --feeds)."""

from __future__ import annotations

from pathlib import Path

import attrs
import icalendar
import pytest

import isecg_events
from isecg_events.cli import main
from isecg_events.exporters.feeds import feed_files
from isecg_events.identity import feed_slug
from isecg_events.programme import Programme
from tests.programmes import RECURRING, raw_checks


@pytest.fixture(scope="module")
def recurring() -> Programme:
    return isecg_events.loads(RECURRING)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Amphithéâtre Gaston Berger", "amphitheatre-gaston-berger"),
        ("Salle 2", "salle-2"),
        ("  Hall 2 / Room B  ", "hall-2-room-b"),
        ("Ørsted & Co", "rsted-co"),
        ("Straße_1", "strae-1"),
    ],
)
def test_feed_slugs(name: str, slug: str) -> None:
    assert feed_slug(name) == slug


def test_a_name_without_latin_letters_gets_a_stable_slug() -> None:
    slug = feed_slug("大厅")
    assert slug.startswith("x-") and len(slug) == 10 and slug == feed_slug("大厅")
    assert feed_slug("会议室") != slug


def test_select_is_the_union_of_the_criteria(recurring: Programme) -> None:
    assert [e.id for e in recurring.select(rooms=["Room A"]).events] == ["opening", "panel"]
    assert [e.id for e in recurring.select(tracks=["Policy"]).events] == ["panel"]
    assert [e.id for e in recurring.select(types=["break"], events=["opening"]).events] == [
        "opening",
        "coffee",
    ]
    # Ada speaks at the opening and in the panel's first part
    assert [e.id for e in recurring.select(participants=["ada"]).events] == ["opening", "panel"]
    sub = recurring.select(events=["coffee"])
    assert sub.conference == recurring.conference
    assert [o.guid for o in sub.occurrences] == [
        o.guid for o in recurring.occurrences if o.event.id == "coffee"
    ]


def test_select_refuses_nothing_and_unknown_names(recurring: Programme) -> None:
    with pytest.raises(ValueError, match="select needs a track, room, participant, type or event"):
        recurring.select()
    with pytest.raises(ValueError, match="no room 'Room Z'"):
        recurring.select(rooms=["Room Z"])
    with pytest.raises(ValueError, match="no participant 'adda'; did you mean 'ada'"):
        recurring.select(participants=["adda"])


def test_feed_files(recurring: Programme) -> None:
    files = feed_files(recurring)
    assert sorted(files) == [
        "events/coffee.ics", "events/opening.ics", "events/panel.ics",
        "people/ada.ics", "people/chair.ics",
        "rooms/foyer.ics", "rooms/room-a.ics",
        "tracks/policy.ics",
    ]  # fmt: skip
    for content in files.values():
        raw_checks(content)
    room = icalendar.Calendar.from_ical(files["rooms/room-a.ics"])
    assert str(room["X-WR-CALNAME"]) == "Demo Conference – Room A"
    assert sorted(str(e["SUMMARY"]) for e in room.walk("VEVENT")) == ["Opening", "Panel"]
    whole = icalendar.Calendar.from_ical(isecg_events.to_ical(recurring))
    assert "UID" not in room and "UID" not in whole  # see test_ical: vdirsyncer
    # each event in a sub-feed is the same VEVENT as in the whole feed
    whole_events = {str(e["UID"]): e.to_ical() for e in whole.walk("VEVENT")}
    for event in room.walk("VEVENT"):
        assert event.to_ical() == whole_events[str(event["UID"])]
    ada = icalendar.Calendar.from_ical(files["people/ada.ics"])
    assert str(ada["X-WR-CALNAME"]) == "Demo Conference – Ada Lovelace"
    assert len(ada.walk("VEVENT")) == 2


def test_two_names_with_one_slug_are_an_error(recurring: Programme) -> None:
    events = tuple(
        attrs.evolve(e, room="Room-A") if e.id == "coffee" else e for e in recurring.events
    )
    clash = attrs.evolve(recurring, events=events)
    with pytest.raises(
        ValueError, match=r"the rooms 'Room A' and 'Room-A' would both be rooms/room-a.ics"
    ):
        feed_files(clash)


def test_export_feeds(
    tmp_path: Path, write_programme: object, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "p.toml"
    source.write_text(RECURRING, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", str(source), "--feeds", "-o", str(out)]) == 0
    capsys.readouterr()
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.ics"))
    assert written == sorted(["demo2026.ics", *feed_files(isecg_events.load(source))])
    assert (out / "rooms" / "room-a.ics").read_bytes() == feed_files(isecg_events.load(source))[
        "rooms/room-a.ics"
    ]
    # a feed that is gone is pruned on the next export
    source.write_text(RECURRING.replace('track = "Policy"\n', ""), encoding="utf-8")
    assert main(["export", str(source), "--feeds", "-o", str(out)]) == 0
    assert not (out / "tracks" / "policy.ics").exists()
    assert main(["export", str(source), "--feeds", "-o", "-", "-f", "ics"]) == 2


def _selections(whole: Programme) -> dict[str, tuple[str, Programme]]:
    """Each sub-feed's path, with its name and the selection it shows (``Programme.select``)."""
    from isecg_events.exporters.feeds import feed_name

    found: dict[str, tuple[str, Programme]] = {}
    for track in whole.tracks:
        found[f"tracks/{feed_slug(track)}.ics"] = (
            feed_name(whole, track),
            whole.select(tracks=[track]),
        )
    for room in dict.fromkeys(e.room for e in whole.events if e.room):
        found[f"rooms/{feed_slug(room)}.ics"] = (feed_name(whole, room), whole.select(rooms=[room]))
    for event in whole.events:
        for p in event.participations:
            label = p.participant.display_name or p.participant.label
            selected = whole.select(participants=[p.participant.id])
            found[f"people/{p.participant.id}.ics"] = (feed_name(whole, label), selected)
    return found


@pytest.mark.parametrize(
    "source", ["recurring", "pentabarf-fosdem2018-excerpt.xml", "pretalx-rc3-excerpt.json"]
)
def test_each_feed_is_its_selection_as_icalendar_writes_it(source: str) -> None:
    """The feeds are assembled from the render's VEVENTs: the bytes of a render from scratch."""
    import warnings

    from tests.programmes import ical_oracle

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", isecg_events.ProgrammeWarning)
        if source == "recurring":
            whole = isecg_events.loads(RECURRING)
        else:
            whole = isecg_events.load(Path(__file__).parent / "data" / "imports" / source)
    for profile in ("compat", "rich"):
        files = feed_files(whole, profile=profile)
        selections = _selections(whole)
        assert sorted(selections) == sorted(p for p in files if not p.startswith("events/"))
        for path, (name, selected) in selections.items():
            assert files[path] == ical_oracle(selected, name=name, profile=profile), path
