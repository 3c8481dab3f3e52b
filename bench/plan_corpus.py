"""Regenerate the generated half of the compiled-plan differential test's corpus (issue 11).

hypothesis-graphql draws queries from the gateway's schema, root field by root field (drawing
over all roots at once costs ~0.9 s per query on the bench machine; one root at a time
~0.2 s), with a fixed seed (``derandomize``), so the same schema yields the same corpus. Too
slow to run inside the suite's budget, so its output is committed as
``tests/gateway/plan_corpus.json`` and the test replays it; run this after schema changes:

    PYTHONPATH=src python bench/plan_corpus.py --count 2100
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import hypothesis_graphql
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.gateway.test_plan_differential import CORPUS, GENERATED_ROOTS  # noqa: E402

from syncgql.graphql.schema import build_schema  # noqa: E402


def generate(count: int) -> list[str]:
    """About ``count`` distinct queries, the same ones for the same schema."""
    schema = build_schema()._schema
    drawn: dict[str, None] = {}
    per_root = count // len(GENERATED_ROOTS) + 1
    started = time.monotonic()
    for root in GENERATED_ROOTS:
        strategy = hypothesis_graphql.queries(
            schema,
            fields=[root],
            custom_scalars={"DateTime": st.just("2026-01-01T00:00:00Z").map(nodes.String)},
        )

        @settings(
            max_examples=per_root,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def collect(query: str) -> None:
            drawn[query] = None

        collect()
        print(f"{root}: {len(drawn)} queries, {time.monotonic() - started:.0f} s", flush=True)
    return list(drawn)


def main() -> int:
    """Write the corpus."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2100)
    parser.add_argument("--out", type=Path, default=CORPUS)
    args = parser.parse_args()
    queries = generate(args.count)
    args.out.write_text(json.dumps(queries, indent=0, ensure_ascii=False) + "\n")
    print(f"wrote {len(queries)} queries to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
