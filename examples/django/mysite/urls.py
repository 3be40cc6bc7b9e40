from django.contrib import admin
from django.urls import path

from notes import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("echo", views.echo),
    path("notes", views.notes),
    path("upload", views.upload),
    path("pixel.png", views.pixel),
    path("login-redirect", views.login_redirect),
    path("spa-login", views.spa_login_view),
    path("wörter/<str:word>", views.word),
]
