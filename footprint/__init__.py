"""Life-cycle footprint engine: product specification -> bw_processing datapackages -> bw2calc -> result.

Pure functions only: no HTTP, no database, no files except where a caller passes a path.
"""
