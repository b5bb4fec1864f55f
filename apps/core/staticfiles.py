"""Production's static files: whitenoise's compressed manifest storage, which re-reads the
manifest when a name is missing from the one it holds and the file changed on disk (a
`collectstatic` run while the server runs), instead of answering 500 until a restart."""

from __future__ import annotations

import os

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStorage(CompressedManifestStaticFilesStorage):
    _manifest_mtime: int | None = None

    def load_manifest(self):
        self._manifest_mtime = self._mtime()
        return super().load_manifest()

    def _mtime(self) -> int | None:
        try:
            return os.stat(self.path(self.manifest_name)).st_mtime_ns
        except OSError:
            return None

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            # One stat on a miss only: a page that finds every name costs nothing more.
            if self._mtime() in (None, self._manifest_mtime):
                raise
            self.hashed_files, self.manifest_hash = self.load_manifest()
            return super().stored_name(name)


def manifest_problem() -> str | None:
    """One line saying why production cannot render a page, or None when the manifest that
    `collectstatic` writes is there (or the storage needs none)."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage

    if not hasattr(staticfiles_storage, "manifest_name"):
        return None
    path = os.path.join(str(settings.STATIC_ROOT), staticfiles_storage.manifest_name)
    if os.path.isfile(path):
        return None
    return (
        f"Static files are not collected ({path} is missing): run "
        "`manage.py collectstatic --noinput` before starting the web server "
        "(STATIC_ROOT sets where they go)."
    )
