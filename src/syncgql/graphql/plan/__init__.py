"""Compiled query plans (issue 11): a selection compiled once, run without graphql-core's walk.

``compile`` builds a plan, ``nodes`` runs it, ``executor`` plugs it into strawberry (falling
back to graphql-core per operation), ``explain`` reports what an operation asked of CData Sync.
"""
