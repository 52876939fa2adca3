from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from portal.permissions import permission_required


@require_http_methods(["GET", "POST"])
@permission_required("portal.roster.import")
def roster_import(request):
    return render(request, "portal/roster_import.html")
