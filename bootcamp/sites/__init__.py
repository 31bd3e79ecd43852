"""The list of sites managers keep (/sites/): one site per town whatever the case, accents and spaces
(`models.site_key`). Cohort forms, `flask cohorts create` and every filter choose from it; nobody types a site
anywhere else. Other features use services.py: the choices of a select, a site found by its name, a cohort filter
by site id or name."""
