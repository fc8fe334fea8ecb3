"""The printed 保密审查台账 (inspection audit): data model and renderers.

``audit.py`` holds the plain data (one row per submitted item, statistics, the ledger
footer); ``render_*`` modules turn it into PDF, XLSX, CSV, HTML or a terminal table.
Building an ``Audit`` from ledger events lives with the ledger (it needs its queries).
"""
