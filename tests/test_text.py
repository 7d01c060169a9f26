from __future__ import annotations

from datetime import datetime

from isecg_events import timezones
from isecg_events.exporters._text import zone_description


def test_zone_description() -> None:
    moment = datetime(2017, 6, 7, 9, 30, tzinfo=timezones.get_zone("Asia/Shanghai"))
    assert zone_description(moment) == "China Standard Time, UTC+08:00"


def test_an_imported_event_keeps_abstract_description_and_speakers_in_the_feed() -> None:
    import icalendar

    import isecg_events
    from tests.programmes import reference

    programme = isecg_events.load(reference("examples/pretalx-democon.json"))
    event = next(e for e in programme.events if e.description and e.abstract and e.participants)
    feed = icalendar.Calendar.from_ical(isecg_events.to_ical(programme))
    (vevent,) = [v for v in feed.walk("VEVENT") if str(v["UID"]) == str(event.guid)]
    text = str(vevent["DESCRIPTION"])
    assert text.startswith(event.abstract.strip()[:40])
    assert event.description.strip()[:40] in text
    assert "Participants:\n- " + event.participants[0].participant.label in text
    # schedule.json keeps an imported description as it came (a round trip is exact).
    again = isecg_events.loads(isecg_events.to_schedule_json(programme), syntax="json")
    assert isecg_events.to_schedule_json(again) == isecg_events.to_schedule_json(programme)


def test_timed_parts_name_their_zone_in_the_feed(tmp_path: object) -> None:
    import icalendar

    import isecg_events
    from tests.programmes import RECURRING

    programme = isecg_events.loads(RECURRING)
    (panel,) = [e for e in programme.events if e.id == "panel"]
    assert any(s.start for s in panel.segments)
    feed = icalendar.Calendar.from_ical(isecg_events.to_ical(programme))
    (vevent,) = [v for v in feed.walk("VEVENT") if str(v["SUMMARY"]) == "Panel"]
    assert "Times are Central European Summer Time, UTC+02:00." in str(vevent["DESCRIPTION"])
    untimed = isecg_events.to_ical(isecg_events.load()).decode().replace("\r\n ", "")
    assert "Times are" not in untimed  # the plenary's parts have no times of their own


def test_a_base_url_is_one_absolute_http_url() -> None:
    import pytest

    from isecg_events.exporters._text import checked_base_url

    assert checked_base_url("https://example.org/glex") == "https://example.org/glex/"
    for bad in ("ftp://example.org/", 'https://x/"><script>', "https://x/a b", "https://x/\n"):
        with pytest.raises(ValueError, match="is not an http"):
            checked_base_url(bad)
