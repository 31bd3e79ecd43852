"""Attendance (issue 15): the month at a glance, a learner's own hours, the exports; hours.py holds the one
definition of hours and rates."""
