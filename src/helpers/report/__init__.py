"""Report: notebooks rendered with papermill into dated HTML runs, metrics.json and exports.

Modules: ``workspace`` (a dataset's processed tables and ledger, shared by the notebooks),
``run`` (the report pipeline: :func:`~helpers.report.run.run_report` and its steps), which uses
``notebooks`` (listing, executing and converting the report notebooks), ``metrics`` (the run's
``metrics.json``, reconciliation and provenance), ``publish`` (run ids, the lock, the atomic
publish) and ``errors`` (typed failures and exit codes); ``summary`` (the index page), ``cli``
(the ``workbook`` command).
"""
