"""Owner accounts: one-time activation codes, printable lists. (Being written.)"""

from django.http import Http404


def activation_list(request):
    raise Http404


def issue(request):
    raise Http404


def batch_print(request, batch: str):
    raise Http404
