"""The half-day calendar of each cohort: generated from a weekly pattern, minus French public holidays and
closures; half-days cancelled, moved, added, or marked as company placement."""
