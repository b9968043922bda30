"""Writes for inspections, one module per area; import from the module that holds a service."""
