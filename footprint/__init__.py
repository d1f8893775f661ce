"""Life-cycle footprint engine: product specification -> bw_processing datapackages -> bw2calc -> result.

Pure functions only: no HTTP, no database, no files. Callers pass parsed product documents and a factor set and
get objects back; reading product files and writing CSV are the command line's (``api/``).
"""
