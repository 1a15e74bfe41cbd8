from django.http import HttpResponse


def bare(request):
    """What a request costs without a page: same settings and middleware, a short text."""
    return HttpResponse("ok", content_type="text/plain")
