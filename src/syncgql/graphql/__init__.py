"""The GraphQL layer: schema, resolvers, limits, subscriptions."""
