"""Fixtures shared by the servers tests (none yet: each module's own fixtures are local to it;
the project's, such as the mirror farm and the demo data, come from the root conftest).
Data builders live in factories.py."""
