"""`flask export public`: a published programme's figures of a year, the same bytes as /p/<slug>.csv or .json."""
