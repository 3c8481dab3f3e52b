"""The GraphQL layer by domain noun: one module (or package) holds everything of one noun.

Each holds the type, its filter/order/connection inputs, its create/update inputs, payloads and
result unions, the ``Query``/``Mutation`` fields (as ``<Noun>Query``/``<Noun>Mutation`` classes
``schema.py`` merges), its ``NODE_KINDS`` for ``node(id:)`` and the cost weights as metadata on
its fields. Types take upstream model objects (``syncgql.upstream.models``) as their root
values: plain fields read model attributes directly (no per-field resolver), relation fields
use the request's DataLoaders and declare their GraphQL type with ``graphql_type=``.
"""
