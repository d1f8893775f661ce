"""The label registry: organisations, declarations, labels, signatures and the transparency log."""
