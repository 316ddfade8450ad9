"""The company app's models, gathered from its domain packages."""

from sunlit.company.onboarding.models import CommitteeFiling, Onboarding
from sunlit.company.staff.models import Employee

__all__ = ["CommitteeFiling", "Employee", "Onboarding"]
