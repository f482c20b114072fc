from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projects (tenant schema)"

    def ready(self) -> None:
        # Billing's cost report reads overlap and annotation counts from the tenant schema through this reader
        # (billing may not import projects; see billing.reports.work).
        from billing.reports import provide_work_figures
        from projects.cost_figures import work_figures

        provide_work_figures(work_figures)
