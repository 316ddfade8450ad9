"""The company app's models, gathered from its domain packages."""

from sunlit.company.benchmarks.models import CommunitySnapshot, Scorecard
from sunlit.company.onboarding.models import CommitteeFiling, Onboarding
from sunlit.company.rosters.models import LeaveRequest, RosterPattern, ShiftType, SwapRequest
from sunlit.company.staff.models import Employee

__all__ = ["CommitteeFiling", "CommunitySnapshot", "Employee", "LeaveRequest", "Onboarding",
           "RosterPattern", "Scorecard", "ShiftType", "SwapRequest"]
