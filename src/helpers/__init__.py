"""Small clients, big profit: the importable helpers that every notebook calls.

The package reads as the pipeline; each stage imports only the stages before it
(``tests/test_architecture.py`` checks it):

==================  =========================================================================
stage               modules
==================  =========================================================================
foundation          paths, config, schema (column names), results (Result, formatters),
                    plots (theme), exports (CSV/Excel writing)
ingest/             readers, encodings, sniffing, values -> columns, checks, amounts,
                    validation, rejects -> reconciliation, quality, coverage; pipeline
ledger/             engine (DuckDB/Ibis), cost_to_serve (TDABC), scale (defaults from the
                    data), size_tiers, purchases, build, levels (measured vs assumed), views
analyses            pareto/ (03), segments/ (04), seesaw/ (05), q1_which_pay/ (06),
                    q2_attract/ (07), q3_price_and_channel/ (08), growth/ and clv/ (09)
report/             workspace (a notebook's data), notebooks, metrics, publish, run, summary,
                    cli (``workbook``)
apps/               widget_kit, explorer (00-explorer), teaching (00-teaching),
                    scenario_controls (08's sliders)
world/              the synthetic sample world, apart from the pipeline
==================  =========================================================================

The numbers in brackets are the notebooks that tell each analysis's story
(``notebooks/NN-*.ipynb``); ``docs/architecture.md`` has the longer map.
"""

__version__ = "0.1.0"
