"""``User``: a CData Sync user and its roles; its list, lookup, inputs and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.filters import BooleanFilter, StringFilter, compile_filter
from syncgql.graphql.listing import compile_order, read_page
from syncgql.graphql.node import Node, NodeKind, encode_id
from syncgql.graphql.pagination import (
    AFTER_DESCRIPTION,
    FILTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    CursorConnection,
)
from syncgql.graphql.plan.direct import info_free
from syncgql.graphql.selection import build_wire_map
from syncgql.graphql.types import dry_run_admin
from syncgql.graphql.types.dry_run import DryRunArg, WriteDryRun
from syncgql.graphql.writes import (
    CHANGES,
    NEW_OBJECT,
    Errors,
    attempt,
    invalid,
    nothing_to_change,
    write_params,
)
from syncgql.upstream import models
from syncgql.upstream.writes import UserCreate, UserUpdate


@strawberry.type(description="A CData Sync user. Users are global (not per workspace).")
class User(Node):
    """Root value: ``models.User``."""

    user: str = strawberry.field(name="name", description="Login name (the key).")
    user_id: strawberry.ID | None = strawberry.field(description="Sync's id of the user.")
    roles: str | None = strawberry.field(
        name="rolesText", description="Roles as sent, comma separated."
    )
    active: bool | None = strawberry.field(description="False when the user is disabled.")
    federation_id: str | None = strawberry.field(description="Id at the identity provider.")
    expired_in: int | None = strawberry.field(description="Days until the auth token expires.")
    license_state: str | None = strawberry.field(description="Licence state.")
    license_message: str | None = strawberry.field(description="Licence message.")

    @classmethod
    @info_free
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``User`` models are this type's root values."""
        return isinstance(obj, (models.User, cls))

    @strawberry.field(description="The global id of the user.")
    def id(self) -> strawberry.ID:
        """Global id from the user name."""
        return encode_id("User", self.user)

    @strawberry.field(
        name="roles",
        description="Roles: cdata_admin, cdata_standard, cdata_job_creator, cdata_support.",
    )
    def role_list(self) -> list[str]:
        """Split from ``rolesText``."""
        return [part.strip() for part in (self.roles or "").split(",") if part.strip()]


USER_WIRE = build_wire_map(User, {"id": ("User",), "roles": ("Roles",)})

NODE_KINDS = (NodeKind("User", User, lambda loaders, key: loaders.user.get(key)),)


# ----------------------------------------------------------------------------- listing
@strawberry.input(description="Conditions on users; all given conditions must hold.")
class UserFilter:
    """Filter on users."""

    name: StringFilter | None = strawberry.field(default=None, description="Login name.")
    roles: StringFilter | None = strawberry.field(default=None, description="Roles text.")
    active: BooleanFilter | None = strawberry.field(default=None, description="Active.")
    and_: list[UserFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[UserFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: UserFilter | None = strawberry.field(default=None, name="not", description="Not this.")


USER_FILTER_PROPS = {"name": "User", "roles": "Roles", "active": "Active"}


@strawberry.type(name="UserConnection", description="A page of users.")
class UserConnection(CursorConnection[User]):
    """Relay connection of users."""


@strawberry.type
class UserQuery:
    """The ``Query`` fields of users."""

    @strawberry.field(description="Users, filtered and paged.", metadata=upstream_call())
    async def users(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            UserFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
    ) -> UserConnection:
        """One ``GET users``."""
        edges, page_info, total = await read_page(
            info,
            context_of(info).client.users.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, USER_FILTER_PROPS),
            order=compile_order(None, "User", ()),
            wire_map=USER_WIRE,
            key=("User",),
        )
        return UserConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field(
        description="One user by login name; null when there is none.",
        graphql_type=User | None,
        metadata=upstream_call(),
    )
    async def user(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Its name (the key).")],
    ) -> models.User | None:
        """Batched with other lookups of the same level."""
        return await context_of(info).loaders.user.get(name)


# ----------------------------------------------------------------------------- writes
@strawberry.input(description="A new user.")
class CreateUserInput:
    """Login, password and roles."""

    name: str = strawberry.field(description="Login name.")
    password: str = strawberry.field(description="Password.")
    roles: list[str] = strawberry.field(
        description="Roles: cdata_admin, cdata_standard, cdata_job_creator, cdata_support."
    )
    active: bool | None = strawberry.field(default=True, description="Enabled.")
    federation_id: str | None = strawberry.field(default=None, description="SSO id.")


@strawberry.input(description="Changes to a user.")
class UpdateUserInput:
    """Only what CData Sync lets change."""

    password: str | None = strawberry.field(default=None, description="New password.")
    roles: list[str] | None = strawberry.field(default=None, description="New roles.")
    active: bool | None = strawberry.field(default=None, description="Enabled.")
    expired_in: int | None = strawberry.field(
        default=None, description="Days until the auth token expires."
    )


@strawberry.type(description="The user was created.")
class CreateUserSuccess:
    """Payload of `createUser`; its root ``user`` is the upstream model."""

    user: models.User = strawberry.field(description="The new user.", graphql_type=User)
    auth_token: str | None = strawberry.field(
        description="The user's API token; shown only here, once. Store it safely."
    )


@strawberry.type(description="The user was changed.")
class UpdateUserSuccess:
    """Payload of `updateUser`."""

    user: models.User = strawberry.field(description="The user as it is now.", graphql_type=User)


@strawberry.type(description="The users were created.")
class CreateUsersSuccess:
    """Payload of `createUsers`."""

    users: list[models.User] = strawberry.field(
        description="The new users.", graphql_type=list[User]
    )


CreateUserResult = Annotated[
    CreateUserSuccess | WriteDryRun | Errors,
    strawberry.union(
        "CreateUserResult", description="The created user and its token, or why it was not created."
    ),
]
UpdateUserResult = Annotated[
    UpdateUserSuccess | WriteDryRun | Errors,
    strawberry.union(
        "UpdateUserResult", description="The changed user, or why it was not changed."
    ),
]
CreateUsersResult = Annotated[
    CreateUsersSuccess | WriteDryRun | Errors,
    strawberry.union(
        "CreateUsersResult", description="The created users, or why none was created."
    ),
]
UserNameArg = Annotated[str, strawberry.argument(description="Login name of the user.")]


@strawberry.type
class UserMutation:
    """The ``Mutation`` fields of users."""

    @strawberry.mutation(description="Create a user; the payload shows its auth token once.")
    async def create_user(
        self,
        info: Info,
        input: Annotated[CreateUserInput, strawberry.argument(description=NEW_OBJECT)],
        dry_run: DryRunArg = False,
    ) -> CreateUserResult:
        """``POST users``; with ``dryRun`` only reads (``dry_run_admin``)."""
        if dry_run:
            return await dry_run_admin.create_users(info, [input])
        client = context_of(info).client

        async def call() -> CreateUserSuccess:
            user = await client.users.create(write_params(input, UserCreate))
            return CreateUserSuccess(user=user, auth_token=user.auth_token)

        return await attempt(call, entity="User", key=input.name)

    @strawberry.mutation(description="Create several users in one call.")
    async def create_users(
        self,
        info: Info,
        inputs: Annotated[
            list[CreateUserInput], strawberry.argument(description="The users to create.")
        ],
        dry_run: DryRunArg = False,
    ) -> CreateUsersResult:
        """``POST createUsers``; with ``dryRun`` only reads."""
        if not inputs:
            return invalid("Give at least one user.", "inputs")
        if dry_run:
            return await dry_run_admin.create_users(info, inputs)
        client = context_of(info).client

        async def call() -> CreateUsersSuccess:
            return CreateUsersSuccess(
                users=await client.users.create_many([write_params(i, UserCreate) for i in inputs])
            )

        return await attempt(call, entity="User", key=",".join(i.name for i in inputs))

    @strawberry.mutation(description="Change a user's roles, state, password or token expiry.")
    async def update_user(
        self,
        info: Info,
        name: UserNameArg,
        input: Annotated[UpdateUserInput, strawberry.argument(description=CHANGES)],
        dry_run: DryRunArg = False,
    ) -> UpdateUserResult:
        """``PUT users('name')``; with ``dryRun`` only reads and answers the difference."""
        client = context_of(info).client
        changes = write_params(input, UserUpdate)
        if changes.is_empty():
            return nothing_to_change()
        if dry_run:
            return await dry_run_admin.update_user(info, name, input)

        async def call() -> UpdateUserSuccess:
            return UpdateUserSuccess(user=await client.users.update(name, changes))

        return await attempt(call, entity="User", key=name)
