from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import views

public_urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("work/", views.annotator_home, name="annotator-home"),
    path("vendor/", views.vendor_console, name="vendor-console"),
    path("", views.home, name="home"),
]

tenant_urlpatterns = [
    path("", views.tenant_dashboard, name="tenant-dashboard"),
    path("projects/<int:project_id>/", views.project_page, name="project-page"),
    path("work/<int:project_id>/", views.workspace, name="workspace"),
    path("review/<int:project_id>/", views.review_page, name="review-page"),
]
