"""Analysis of questions and tests: item statistics, reliability and standard setting.

``psychometrics`` is pure (standard library only); ``item_analysis`` reads the quiz's attempts
against the banks' question versions; ``stats_cli`` is the ``flask stats`` command group.
It sits above ``banks`` and ``quiz`` (it reads both) so that neither has to import the other.
"""
