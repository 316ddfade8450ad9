"""The finance app's models, gathered from its domain packages (``<domain>/models.py``); every
model keeps the ``finance`` app label and its table.

Money columns are ``DecimalField(14, 2)``; prices carry four places (a price per m² such as
2.3500 元/㎡·月 may have more than two). The books are append-only: no service updates or
deletes a journal entry or line; a correction is a reversing entry.
"""

from sunlit.finance.arrears.models import Reminder, ReminderRule, ReminderTemplate  # noqa: F401
from sunlit.finance.billing.models import (  # noqa: F401
    Bill,
    BillingRun,
    BillLine,
    BillQuerySet,
    Calculation,
    FeeItem,
    FeeItemQuerySet,
    Meter,
    MeterReading,
    Tariff,
)
from sunlit.finance.books.models import (  # noqa: F401
    ZERO,
    Account,
    FinancePolicy,
    JournalEntry,
    JournalLine,
    NumberSequence,
    money_field,
    price_field,
)
from sunlit.finance.charges.models import (  # noqa: F401
    LateFeeCharge,
    MeterImport,
    Waiver,
    WaiverQuerySet,
)
from sunlit.finance.expenses.models import (  # noqa: F401
    Expense,
    ExpenseQuerySet,
    ExpenseStep,
    PublicIncome,
)
from sunlit.finance.fund.models import FundAccount, FundDeposit, FundUse  # noqa: F401
from sunlit.finance.online.models import CallbackRefusal, PaymentOrder  # noqa: F401
from sunlit.finance.payments.models import Allocation, Payment, PrepaidBalance, Refund  # noqa: F401
from sunlit.finance.report.models import EntryQuery, MonthlyReport  # noqa: F401
