"""Interactive apps (ipywidgets, served with Voila): the explorer and the teaching session.

All widget code lives here; the pipeline never imports this package. Modules: ``widget_kit``
(labelled controls and accessible figure panels every app builds), ``recosting`` (what an
explorer control changes in the config and the ledger), ``explorer`` (its state, views and app),
``teaching_model`` (a world's assumptions, state and headline figures), ``teaching_lessons``
(findings, figures and exercise checks) and ``teaching`` (the session's UI).
"""
