"""``python -m api.cli``: the ``pcf`` command line."""

from api.cli.main import main

main()
