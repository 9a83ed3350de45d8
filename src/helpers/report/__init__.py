"""Report: notebooks rendered with papermill into dated HTML runs, metrics.json and exports.

Modules: ``workspace`` (a dataset's processed tables and ledger, shared by the notebooks),
``run`` (the report pipeline), ``summary`` (the index page), ``cli`` (the ``workbook`` command).
"""
