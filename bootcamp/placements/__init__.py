"""Company placements (« période en entreprise »): the agreement and its PDF, the company and its tutor, the cohort's
list of who has one and who is still looking, the tutor's two forms by emailed one-time link (mid-placement and end:
days present, a level for each competency observed, an appreciation), the placement days counted as « entreprise »
hours, and the figures (share placed by the start of the period, share hired by their host company)."""
