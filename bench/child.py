"""Run one bench function in a fresh interpreter: ``python -m bench.child MODULE:FUNCTION OUT.json [KWARGS_JSON]``.

Used for the figures whose memory must not be inflated by, or inflate, the rest of the run (the million-leaf
inclusion proofs hold about 1 GB; the supply-chain space reports its own peak memory). The result (a figure dict
or a list of them) is written as JSON to ``OUT.json``; the function's own progress lines go to the terminal.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile

if "BRIGHTWAY2_DIR" not in os.environ:  # (setdefault would make a temporary folder even when it is set)
    os.environ["BRIGHTWAY2_DIR"] = tempfile.mkdtemp(prefix="pcf-bench-bw-")
os.makedirs(os.environ["BRIGHTWAY2_DIR"], exist_ok=True)


def main(argv: list[str]) -> int:
    target, out = argv[0], argv[1]
    kwargs = json.loads(argv[2]) if len(argv) > 2 else {}
    module, _, name = target.partition(":")
    result = getattr(importlib.import_module(module), name)(**kwargs)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
