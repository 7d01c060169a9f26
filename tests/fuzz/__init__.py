"""A structural fuzzer of programme files, with the command line as the system under test.

Each case mutates a valid seed (our TOML and JSON, a real frab schedule.json,
a real frab schedule.xml) and runs ``isecg-events validate`` and, when that
passes, ``export --format all --split`` into a folder holding an earlier
export. The oracle (:func:`check_case`) requires:

- exit 0 or 2 for validate, 0 or 1 for export; never an exception;
- validate 0 implies export 0;
- every .ics parses with icalendar and has exactly one VEVENT per event
  (one per series for the feed), schedule.xml parses with lxml,
  schedule.json with json; agenda.md has no HTML and no more headings
  than days and events;
- standard error holds no raw control or bidi character;
- after a failed run the earlier outputs are byte-identical.

Bounded in the tests (``tests/test_fuzz.py``); longer on demand::

    python -m tests.fuzz --cases 20000 --seed 7
"""
