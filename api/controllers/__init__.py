"""Route handlers, one module per area; each handler calls one service function."""
