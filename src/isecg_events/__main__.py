"""Run the command-line tool: ``python -m isecg_events``."""

from isecg_events.cli import main

raise SystemExit(main())
