"""The Dossier Professionnel: each learner's examples of practice per block, their status and the trainer's
review; the learner's own page of their titre professionnel (/me/certification)."""
