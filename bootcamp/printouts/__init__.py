"""Printable documents as PDF files: the week's sign-in sheet of a cohort, a learner's « certificat de
réalisation »."""
