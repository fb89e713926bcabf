"""Reports: parameterised notebooks run in parallel, exported to self-contained HTML.

Modules (each imports its heavy libraries lazily):

- :mod:`~nebase_analysis.reports.fonts`: the CJK font and reproducible matplotlib settings.
- :mod:`~nebase_analysis.reports.charts`: notebook set-up and shared chart helpers.
- :mod:`~nebase_analysis.reports.tables`: every number a report shows (tested functions).
- :mod:`~nebase_analysis.reports.prepare`: tables computed once per run for all notebooks.
- :mod:`~nebase_analysis.reports.html`: HTML export with a template that loads nothing from outside.
- :mod:`~nebase_analysis.reports.index`: provenance (checksums, configuration) and ``index.html``.
- :mod:`~nebase_analysis.reports.runner`: ``nebase report``: plan, execute on warm kernels, export.
"""
