"""Conference schedules in and out: frab/pretalx schedule.xml and schedule.json, CSV, ICS.

One module per format. Readers turn a file into a `schedule.Conference` (what the
planning system published, instants with their offsets); `to_programme` turns one
room of it into programme.yaml text; exporters turn a loaded `Programme` into a
format other tools read. Every reader treats its input as untrusted (sizes bounded,
XML through defusedxml) and reports a located `ScheduleError`, never a traceback.
"""
