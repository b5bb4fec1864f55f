"""Writes of the servers app, one module per concern."""

from .inventory import server_delete, server_save
from .push_tokens import push_token_issue, push_token_revoke

__all__ = ["push_token_issue", "push_token_revoke", "server_delete", "server_save"]
