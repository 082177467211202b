"""Question types: the registry (``registry.py``) and one package per type (``types/<id>/``)."""
