"""Fault injection, abuse and secret-leak suites against the real gateway on real sockets.

``upstream.FaultUpstream`` is a misbehaving CData Sync (a proxy in front of a real emulator);
``graphql_cop_checks`` is graphql-cop's scan, also runnable as a script:
``python -m tests.faults.graphql_cop_checks -t http://127.0.0.1:8000/graphql``.
"""
