from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "apps.releases"
    verbose_name = "Releases"

    def ready(self) -> None:
        from apps.core.audit import audit_register

        from . import models as m

        # Who did it (apps.core.audit): the rows people change through the services.
        for model in (m.Release, m.Architecture, m.Repository, m.Image, m.ReleaseCandidate,
                      m.Signoff, m.Blocker, m.ValidationCase, m.ValidationResult):  # fmt: skip
            audit_register(model, exclude_fields=["modified"])
