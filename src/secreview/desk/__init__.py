"""The review desk (审查台): web pages for drafters, reviewers, leaders and auditors.

A thin Starlette app over the same core API as the CLI (``secreview.service.Ledger``), with
server-rendered Jinja2 templates and a little plain JavaScript; no front-end build. Start it
with ``secreview serve``; build it with :func:`secreview.desk.app.create_app`.

Needs the ``desk`` extra (starlette, jinja2, uvicorn, python-multipart); the core never
imports this package.
"""
