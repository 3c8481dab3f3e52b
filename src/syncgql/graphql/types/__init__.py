"""GraphQL object types, one module per domain noun.

Types take upstream model objects (``syncgql.upstream.models``) as their root values: plain
fields read model attributes directly (no per-field resolver), relation fields use the
request's DataLoaders.
"""
