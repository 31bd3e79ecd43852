"""Projects (briefs): creating them and grading them for a whole cohort."""
