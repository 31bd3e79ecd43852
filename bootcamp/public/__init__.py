"""The programmes' public pages (/p/): Qualiopi's indicator-1 information as managers write it, the results of a
calendar year computed by the dashboard's own queries, and the same figures as open data (JSON, CSV, an embeddable
fragment)."""
