"""isecg-events: turn a conference programme into the feeds people consume.

Load a programme (the bundled GLEX 2017 plenary by default) and export it as
an iCalendar feed, a frab/c3voc schedule.json or schedule.xml, or an agenda.

>>> import isecg_events
>>> programme = isecg_events.load()
>>> programme.events[0].display_title[:36]
'PLENARY 3: Fostering International C'
"""

from isecg_events._version import __version__

# The function, not the module: ``isecg_events.diff(old, new)``.
from isecg_events.diff import Change, diff
from isecg_events.errors import (
    ExportError,
    IsecgEventsError,
    OptionError,
    Problem,
    ProgrammeError,
    ProgrammeWarning,
)
from isecg_events.exporters import (
    EXPORTERS,
    Exporter,
    Option,
    event_to_ical,
    get_exporter,
    render,
    render_all,
    render_events,
    to_agenda,
    to_ical,
    to_markdown,
    to_schedule_json,
    to_schedule_xml,
)
from isecg_events.model import (
    Conference,
    Event,
    Link,
    Organization,
    Participant,
    Participation,
    Room,
    Segment,
    Track,
)
from isecg_events.programme import Occurrence, Programme, ProgrammeBuilder
from isecg_events.readers import load, loads
from isecg_events.releases import History, Release, ReleaseError
from isecg_events.site import export

__all__ = [
    "EXPORTERS",
    "Change",
    "Conference",
    "Event",
    "ExportError",
    "Exporter",
    "History",
    "IsecgEventsError",
    "Link",
    "Occurrence",
    "Option",
    "OptionError",
    "Organization",
    "Participant",
    "Participation",
    "Problem",
    "Programme",
    "ProgrammeBuilder",
    "ProgrammeError",
    "ProgrammeWarning",
    "Release",
    "ReleaseError",
    "Room",
    "Segment",
    "Track",
    "__version__",
    "diff",
    "event_to_ical",
    "export",
    "get_exporter",
    "load",
    "loads",
    "render",
    "render_all",
    "render_events",
    "to_agenda",
    "to_ical",
    "to_markdown",
    "to_schedule_json",
    "to_schedule_xml",
]
