"""The public pages' data: the landing page's programs and its sample question (issue 18)."""
