"""xAPI statements to a learning record store: built with Ralph's models, sent from an outbox."""
