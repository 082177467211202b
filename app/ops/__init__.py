"""Running the app in production: the health check, backups and restores, the integrity check.

- ``routes``: ``GET /healthz`` for load balancers and monitors (database and Redis reachable).
- ``backup``: ``flask --app wsgi backup create|restore``: the SQLite online backup API or
  ``pg_dump --format=custom``, restored into an empty database.
- ``integrity``: the invariants of stored attempts, completions and certificates, one query
  each (``flask --app wsgi backup check``), run after every restore.
"""
