from django.shortcuts import render


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    response = render(request, "404.html", status=404)
    response.portal_page = True  # OwnNotFoundPageMiddleware leaves it as it is
    return response


def server_error(request):
    return render(request, "500.html", status=500)
