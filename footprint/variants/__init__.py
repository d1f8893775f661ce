"""Many variants of one product at once: the supply-chain map a manufacturer asks for.

A variant is the product file with some fields changed (``regions.polysilicon: CN-XJ``,
``materials_g_per_m2.glass: 8000``). Axes of values are crossed: four regions axes of ten provinces each
are 10,000 variants.

Method. Each axis value is compiled once, the normal way (file -> specification -> matrices); it must give
the same matrix layout as the base product (only values differ) and it changes some entries of the
matrices. The entries one axis changes are kept as that axis's columns; two axes that change the same
entry (say glass mass and module area, which both set the glass input) are merged into one axis of their
crossed values, so that every entry of a variant comes from exactly one axis value. A variant's matrices
are then the base matrices with each axis's columns set from its value, and all variants are solved
together as a stack of small dense systems (LAPACK through numpy). A few variants, always including
the first, the last and the lowest, are recomputed one by one with the bw2calc engine and must agree to 1e-9
relative, or the run fails: axes that interact in a way the per-axis compile cannot see are then reported,
not silently mis-computed.

Fast path. Where the groups enter the system independently, no solve per variant is needed: a variant's
total (and each stage's) is the base plus one effect per group value, so 4 axes of 30 provinces (810,000
variants) take 120 small solves and a few broadcast sums. Independence is checked twice before it is used:
structurally (no group changes the amounts that another group's entries are multiplied by: in the
technosphere's terms, no group touches an entry whose column is upstream-or-equal to a row another group
touches, nor a biosphere entry there), and numerically (the corners of the crossing and a random sample of
it, each solved in full, must equal the sums to 1e-9 relative). If either check fails, every variant is
solved in full as above and the notes say why. The lowest variants then come from a partial sort, and each
value's effect (mean, lowest and highest total of the variants that take it) from the per-group effects.

Modules: :mod:`~footprint.variants.axes` (field paths and axes), :mod:`~footprint.variants.compiled` (the per-axis
compile and the stacked solve), :mod:`~footprint.variants.additive` (the fast path),
:mod:`~footprint.variants.result` (:class:`~footprint.variants.result.Variants`, what a run returns) and
:mod:`~footprint.variants.run` (:func:`~footprint.variants.run.run_variants`, the entry point). The engine takes
and returns objects: parsing ``--vary`` options and writing CSV are the command line's (``api/cli/variants.py``).
"""
