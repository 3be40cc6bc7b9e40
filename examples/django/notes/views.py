"""Views that exercise what a Lambda adapter must get right."""

import base64

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.views.decorators.http import require_http_methods

from notes.models import Note
from pocket.django.spa_auth import spa_login

# The smallest valid PNG (1x1, transparent): a binary body with bytes that are not UTF-8.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def echo(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "method": request.method,
            "path": request.path,
            "query": {k: request.GET.getlist(k) for k in request.GET},
            "cookies": request.COOKIES,
            "host": request.get_host(),
            "secure": request.is_secure(),
            "remote_addr": request.META.get("REMOTE_ADDR"),
            "headers": {"x-multi": request.headers.get("X-Multi")},
        }
    )


@require_http_methods(["GET", "POST"])
def notes(request: HttpRequest) -> HttpResponse:
    """GET hands out a CSRF token; POST (a form, CSRF-checked) creates a note."""
    if request.method == "GET":
        return JsonResponse({"csrf": get_token(request), "count": Note.objects.count()})
    note = Note.objects.create(title=request.POST["title"], body=request.POST.get("body", ""))
    return JsonResponse({"id": note.id, "title": note.title}, status=201)


@require_http_methods(["POST"])
def upload(request: HttpRequest) -> JsonResponse:
    f = request.FILES["file"]
    data = f.read()
    name = default_storage.save(f"uploads/{f.name}", ContentFile(data))
    return JsonResponse({"name": name, "size": len(data), "url": default_storage.url(name)}, status=201)


def pixel(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PIXEL, content_type="image/png")


def login_redirect(request: HttpRequest) -> HttpResponse:
    response = HttpResponseRedirect("/echo?from=login")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2", httponly=True)
    response.set_cookie("c", "3", secure=True, samesite="Lax")
    return response


def spa_login_view(request: HttpRequest) -> HttpResponse:
    response = JsonResponse({"ok": True})
    spa_login(response, request.GET.get("user", "42"))
    return response


def word(request: HttpRequest, word: str) -> JsonResponse:
    return JsonResponse({"word": word, "path": request.path})
