"""``User``: a CData Sync user and its roles."""

from __future__ import annotations

import strawberry

from syncgql.graphql.node import Node, encode_id
from syncgql.graphql.selection import build_wire_map
from syncgql.upstream import models


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
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``User`` models are this type's root values."""
        return isinstance(obj, models.User | cls)

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
