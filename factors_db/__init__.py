"""The product carbon-footprint factor database: versioned releases, importers, search, grid look-up."""
