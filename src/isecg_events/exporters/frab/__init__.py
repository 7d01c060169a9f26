"""The two frab/c3voc formats, schedule.json and schedule.xml.

Both carry the same schedule entries (:mod:`._entries`), derived once per
render and shared through the render's :class:`~isecg_events.exporters.Prepared`.
"""
