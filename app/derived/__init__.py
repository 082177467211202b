"""Results derived from many rows, kept until what they were computed from changes.

The studio's item analysis and the review queue's identical-answers flags read every first
attempt or every cohort peer: seconds at an institution's size. ``store.cached`` keeps each
result in ``derived_results`` under a *stamp*, a short summary of what it was computed from
(counts, highest ids, sums), read by one cheap aggregate query; a different stamp means
compute again. Writers that change inputs without changing the stamp (a regrade changes item
marks only) delete the rows (``store.forget``) in their own transaction. docs/benchmarks.md.
"""
