"""syncgql: a typed, batched GraphQL gateway for CData Sync."""

__version__ = "0.1.0"
