"""The scorecard form: a weight and a target per KPI."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from sunlit.company.benchmarks.selectors import KPIS


class ScorecardForm(forms.Form):
    def __init__(self, *args, weights: dict, targets: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for kpi in KPIS:
            self.fields[f"weight_{kpi.key}"] = forms.IntegerField(
                label=gettext_lazy("%(kpi)s · 权重") % {"kpi": kpi.label}, min_value=0,
                max_value=100, initial=weights[kpi.key])
            self.fields[f"target_{kpi.key}"] = forms.DecimalField(
                label=gettext_lazy("%(kpi)s · 目标（%(unit)s）") % {"kpi": kpi.label,
                                                                  "unit": kpi.unit},
                min_value=0, max_digits=12, decimal_places=2, initial=targets[kpi.key])

    def weights(self) -> dict:
        return {k.key: self.cleaned_data[f"weight_{k.key}"] for k in KPIS}

    def targets(self) -> dict:
        return {k.key: self.cleaned_data[f"target_{k.key}"] for k in KPIS}
