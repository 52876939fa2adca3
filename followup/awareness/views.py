from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.permissions import permission_required


@require_GET
@permission_required("awareness.section.view")
def index(request):
    return render(request, "awareness/index.html")
