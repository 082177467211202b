"""Notifications by e-mail: what is due is found from the records and sent once (``flask notify
due``), through the mail outbox."""
