"""`flask attendance ...`: the attendance commands (export, import, calendars). The command line speaks English."""

from flask.cli import AppGroup

attendance_cli = AppGroup("attendance", help="Attendance: calendars, exports and imports.")
