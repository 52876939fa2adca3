"""Context variables that carry the actor and request id into services and audit entries."""

from contextvars import ContextVar

actor: ContextVar = ContextVar("portal_actor", default=None)
actor_kind: ContextVar[str] = ContextVar("portal_actor_kind", default="user")
request_id: ContextVar[str] = ContextVar("portal_request_id", default="")
