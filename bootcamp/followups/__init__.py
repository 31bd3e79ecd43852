"""Follow-ups answered by the learner: each due follow-up point asked by email with a personal link (30 days, no
account), reminders after 7 and 14 days (three messages at most), the answer recorded as the outcome « déclaré par
l'apprenant·e » for a manager to confirm or correct; `flask followups send` (cron, daily)."""
