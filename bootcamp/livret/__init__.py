"""The livret d'évaluation as a PDF, laid out like the ministry's form: one learner's, or a whole cohort's."""
