"""Who is ready for the titre professionnel: a cohort's learners by block, with the rule written on the page."""
