"""Email through an outbox: `outbox.queue` renders a message in its recipient's language and adds it to the outbox
table in the caller's transaction (a web request never waits for SMTP; nothing is lost while the server is down);
`sender.send_due` (`flask mail send`, cron) delivers what is due; /admin/outbox shows every message to admins.

A message is templates/mail/<name>.txt (plain text) and templates/mail/<name>.html (simple HTML, extending
mail/_layout.html): both carry the school's name (ORGANISATION_NAME); no image, no tracking.
"""
