"""Helpers of the server-rendered pages (the controllers live in :mod:`api.controllers.pages` and ``.public``).

- :mod:`api.pages.i18n`: languages, the choice of language per request, the gettext catalogues
  (``api/locale/<lang>/LC_MESSAGES/messages.po``, compiled in memory when first used).
- :mod:`api.pages.formatting`: the one filter that writes a number with its unit, dates and shares.
- :mod:`api.pages.charts`: inline SVG charts (no JavaScript).
- :mod:`api.pages.templating`: the Jinja2 environment, the template config for Litestar, and
  :func:`~api.pages.templating.page`, which renders a template with the context every page shares.
- :mod:`api.pages.gs1`: GS1 Digital Link paths and linksets (pure functions).
- :mod:`api.pages.forms`: form values as typed and the error beside each field (the public pages' forms).
- :mod:`api.pages.calculator`: the calculator's fields and defaults per product model, and its call to the engine.
- :mod:`api.pages.views`: the comparison and calculator charts, in the page's language.
- :mod:`api.pages.feeds`: the Atom feed of label events.

The public pages' handlers are in :mod:`api.controllers.public`; their data comes from :mod:`registry.catalogue`,
:mod:`registry.procurement` (with :mod:`registry.market`'s statistics) and :mod:`factors_db.store`.
"""
