"""Scenario files: schema, loader, SCVMM connection strings and placement rules."""
