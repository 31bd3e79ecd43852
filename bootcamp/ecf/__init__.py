"""The livret d'évaluation (ECF) of a learner: evaluation situations and block summaries, filled by the cohort's
trainers and managers beside the evidence Bootcamp holds."""
