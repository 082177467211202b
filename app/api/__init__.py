"""The JSON API under /api/v1 (flask-smorest): tokens and the current user.

Other domains add their own ``flask_smorest.Blueprint`` (e.g. ``app/quiz/api.py``) and
register it in ``app.create_app`` next to ``auth_api``.
"""
