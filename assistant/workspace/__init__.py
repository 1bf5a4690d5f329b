"""The multi-user layer over the facade: users, their collections and conversations, an Assistant per collection."""

from assistant.workspace.workspace import Reply, Workspace

__all__ = ["Reply", "Workspace"]
