"""The HTML pages (Jinja2 + htmx): staff, admin, dashboard, reports, citizen, lane screen, account.

Each module is one FastAPI router; ``render`` gives every template its language, CSRF token and
navigation. Routes take what they need from ``web.deps``; texts come from ``web.i18n``. ``slip``
draws the printed A6 pickup slip (a PDF, with reportlab). May import:
``controller``, ``web.auth``, ``web.csrf``, ``web.deps``, ``web.i18n``; never ``hardware/``.
"""
