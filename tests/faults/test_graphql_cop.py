"""graphql-cop's checks against the running gateway: production profile has no finding above LOW.

The development profile is scanned too, to show the checks do detect what they look for
(introspection, suggestions, the IDE, GET queries are all on there by design).
"""

from __future__ import annotations

from syncgql.config import Profile
from tests.faults.conftest import Stack
from tests.faults.graphql_cop_checks import SEVERITY_ORDER, format_report, run_checks

KNOWN_FINDINGS: set[str] = set()


async def test_production_profile_has_no_finding_above_low(stack: Stack) -> None:
    async with stack.gateway(profile=Profile.PRODUCTION) as gw:
        findings = await run_checks(gw.url + "/graphql")
    report = format_report(findings)
    print("\ngraphql-cop checks, production profile:\n" + report)
    above_low = {
        f.title for f in findings if f.result and SEVERITY_ORDER[f.severity] > SEVERITY_ORDER["LOW"]
    }
    assert above_low == KNOWN_FINDINGS, report
    assert len(findings) == 14
    assert stack.upstream.count("POST", "executeJob") == 0


async def test_development_profile_shows_the_checks_detect(stack: Stack) -> None:
    async with stack.gateway(profile=Profile.DEVELOPMENT) as gw:
        findings = await run_checks(gw.url + "/graphql")
    print("\ngraphql-cop checks, development profile:\n" + format_report(findings))
    found = {f.title for f in findings if f.result}
    assert {"Introspection", "Field Suggestions", "GraphQL IDE"} <= found
    # The limits and transport rules hold in both profiles.
    assert not found & {"Array-based Query Batching", "Directive Overloading", "Circular Fragment"}
    assert not found & {"Mutation is allowed over GET (possible CSRF)", "Field Duplication"}
