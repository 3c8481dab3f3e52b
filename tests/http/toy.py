"""A toy strawberry schema served through GraphQLHTTP and the GraphiQL routes, for the HTTP tests.

It has what the HTTP layer must tell apart: a plain field, a field that raises (nullable and
non-null), a mutation with a visible side effect, and a subscription.
"""

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from syncgql.graphiql import DEFAULT_ASSETS_DIR, graphiql_routes
from syncgql.graphql.http import GraphQLHTTP

TOKEN = "toy-7f3a"  # appears in results, so a test can find them in a page's text


@dataclass
class ToyState:
    """What the server saw: operations run and mutations applied (one per app)."""

    operations: list[str | None] = field(default_factory=list)
    bumps: int = 0


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, info: Info, name: str = "world") -> str:
        info.context["state"].operations.append(
            info.operation.name.value if info.operation.name else None
        )
        return f"Hello, {name}! {TOKEN}"

    @strawberry.field
    def boom(self) -> str | None:
        raise ValueError("kaboom")

    @strawberry.field
    def boom_required(self) -> str:
        raise ValueError("kaboom")

    @strawberry.field
    def echo(self, value: int) -> int:
        return value

    @strawberry.field
    def echo_id(self, id: strawberry.ID) -> strawberry.ID:
        return id


@strawberry.type
class Mutation:
    @strawberry.mutation
    def bump(self, info: Info) -> int:
        state: ToyState = info.context["state"]
        state.bumps += 1
        return state.bumps


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self, info: Info, to: int = 3) -> AsyncGenerator[int, None]:
        state: ToyState = info.context["state"]
        state.operations.append(info.operation.name.value if info.operation.name else None)
        for i in range(1, to + 1):
            yield i
            await asyncio.sleep(0)


schema = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription)


class FailingValidation(SchemaExtension):
    """Breaks before execution with a non-GraphQL exception (a server fault, not the client's)."""

    def on_validate(self) -> Any:
        raise RuntimeError("validator crashed")


broken_schema = strawberry.Schema(query=Query, extensions=[FailingValidation])
batch_schema = strawberry.Schema(
    query=Query, config=StrawberryConfig(batching_config={"max_operations": 3})
)


class ToyView(GraphQLHTTP[dict[str, Any], None]):
    def __init__(self, state: ToyState, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = state

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> dict[str, Any]:
        return {"request": request, "response": response, "state": self.state}


def make_app(
    *,
    graphiql: bool = True,
    assets_dir: Path = DEFAULT_ASSETS_DIR,
    default_query: str | None = None,
    use_schema: strawberry.Schema = schema,
    **view_kwargs: Any,
) -> tuple[Starlette, ToyState]:
    """Build a Starlette app like syncgql's: /graphql (HTTP + WebSocket) and /graphiql."""
    state = ToyState()
    view = ToyView(state, use_schema, graphiql=graphiql, **view_kwargs)
    extra = {} if default_query is None else {"default_query": default_query}
    routes = [
        Route("/graphql", view, methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
        WebSocketRoute("/graphql", view),
        *graphiql_routes(graphiql, assets_dir=assets_dir, **extra),
    ]
    return Starlette(routes=routes), state
