from __future__ import annotations

from datetime import datetime

from isecg_events import timezones
from isecg_events.exporters._text import zone_description


def test_zone_description() -> None:
    moment = datetime(2017, 6, 7, 9, 30, tzinfo=timezones.get_zone("Asia/Shanghai"))
    assert zone_description(moment) == "China Standard Time, UTC+08:00"
