"""Helpers of the server-rendered pages (the controllers live in :mod:`api.controllers.pages`).

- :mod:`api.pages.i18n`: languages, the choice of language per request, the gettext catalogues
  (``api/locale/<lang>/LC_MESSAGES/messages.po``, compiled in memory when first used).
- :mod:`api.pages.formatting`: the one filter that writes a number with its unit, dates and shares.
- :mod:`api.pages.charts`: inline SVG charts (no JavaScript).
- :mod:`api.pages.templating`: the Jinja2 environment, the template config for Litestar, and
  :func:`~api.pages.templating.page`, which renders a template with the context every page shares.
- :mod:`api.pages.gs1`: GS1 Digital Link paths and linksets (pure functions).
"""
