"""Interactive apps (ipywidgets, served with Voila): the explorer and the teaching session.

All widget code lives here; the pipeline never imports this package.
"""
