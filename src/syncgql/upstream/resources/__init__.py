"""Resources of the Sync API: one module per area, all sharing one call context."""
