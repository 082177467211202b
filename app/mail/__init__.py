"""Mail: an outbox written in the action's transaction, sent over SMTP after commit."""
