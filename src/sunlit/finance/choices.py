"""Choice sets of the finance app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    """The five classes of a chart of accounts; the first two and expense have debit balances."""

    ASSET = "asset", _("资产")
    LIABILITY = "liability", _("负债")
    EQUITY = "equity", _("所有者权益")
    INCOME = "income", _("收入")
    EXPENSE = "expense", _("成本费用")


DEBIT_NORMAL = frozenset({AccountKind.ASSET, AccountKind.EXPENSE})


class EntrySource(models.TextChoices):
    """What a journal entry records (凭证来源)."""

    BILLING_RUN = "billing_run", _("批量计费")
    BILL = "bill", _("单笔账单")
    PAYMENT = "payment", _("收款")
    PREPAID_OFFSET = "prepaid_offset", _("预存款抵扣")
    REFUND = "refund", _("退款")
    REVERSAL = "reversal", _("冲销")
    MANUAL = "manual", _("手工凭证")
    # public money (task `fund`)
    PUBLIC_INCOME = "public_income", _("公共收益")
    EXPENSE = "expense", _("支出")
    FUND_DEPOSIT = "fund_deposit", _("维修资金归集")
    FUND_USE = "fund_use", _("维修资金使用")
    WAIVER = "waiver", _("减免")  # charges


class FeeKind(models.TextChoices):
    AREA = "area", _("按面积（物业服务费）")
    FIXED = "fixed", _("按户/按车位固定")
    METERED = "metered", _("按表计量")
    SHARED = "shared", _("公摊（按专有面积分摊）")
    ONE_TIME = "one_time", _("一次性收费")
    DEPOSIT = "deposit", _("押金")


#: Fee kinds a billing run computes; the others are charged one by one.
RUN_KINDS = frozenset({FeeKind.AREA, FeeKind.FIXED, FeeKind.METERED, FeeKind.SHARED})


class Cycle(models.TextChoices):
    MONTHLY = "monthly", _("按月")
    QUARTERLY = "quarterly", _("按季")
    YEARLY = "yearly", _("按年")
    ONCE = "once", _("一次性")


CYCLE_MONTHS = {Cycle.MONTHLY: 1, Cycle.QUARTERLY: 3, Cycle.YEARLY: 12}


class MeterKind(models.TextChoices):
    WATER = "water", _("水")
    ELECTRICITY = "electricity", _("电")
    GAS = "gas", _("燃气")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计费中")
    COMMITTED = "committed", _("已完成")
    FAILED = "failed", _("失败")


class BillStatus(models.TextChoices):
    OPEN = "open", _("待缴")
    PARTIAL = "partial", _("部分缴纳")
    PAID = "paid", _("已缴清")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现金")
    POS = "pos", _("POS 刷卡")
    TRANSFER = "transfer", _("银行转账")
    # online (finance.online): the money arrives in 1012 POS 及第三方支付 like POS takings
    WECHAT = "wechat", _("微信支付")
    ALIPAY = "alipay", _("支付宝")


COUNTER_METHODS = frozenset({PaymentMethod.CASH, PaymentMethod.POS, PaymentMethod.TRANSFER})


class AllocationKind(models.TextChoices):
    PAYMENT = "payment", _("收款核销")
    PREPAID = "prepaid", _("预存款抵扣")
    REFUND = "refund", _("退款撤销核销")
    WAIVER = "waiver", _("减免")  # charges: an approved waiver settles part of a bill


# --- online payments (finance.online, finance.online.gateways) -------------------------------------------


class Provider(models.TextChoices):
    """A payment provider an owner pays through online (线上支付渠道)."""

    WECHAT = "wechat", _("微信支付")
    ALIPAY = "alipay", _("支付宝")


class OrderStatus(models.TextChoices):
    """The state of an online payment order (支付订单)."""

    CREATED = "created", _("待支付")
    PAID = "paid", _("已支付")
    CLOSED = "closed", _("已关闭")
    FAILED = "failed", _("下单失败")


class RefusalReason(models.TextChoices):
    """Why a payment callback was refused (回调拒收原因): kept, counted and shown to finance."""

    BAD_SIGNATURE = "bad_signature", _("签名无效")
    STALE = "stale", _("通知时间超出允许范围")
    MALFORMED = "malformed", _("通知格式错误")
    DECRYPT_FAILED = "decrypt_failed", _("通知内容无法解密")
    WRONG_MERCHANT = "wrong_merchant", _("商户号或应用 ID 不符")
    UNKNOWN_ORDER = "unknown_order", _("订单不存在")
    WRONG_AMOUNT = "wrong_amount", _("金额与订单不符")
    ORDER_CLOSED = "order_closed", _("订单已关闭或已过期")
    DUPLICATE_TRANSACTION = "duplicate_transaction", _("交易号已用于另一订单")
    NOT_CONFIGURED = "not_configured", _("该支付渠道未启用")
# --- public money: public income, expenses, the maintenance fund (task `fund`) --------------------


class PublicIncomeCategory(models.TextChoices):
    """公共收益 from the owners' common parts (Civil Code art. 282: it belongs to the owners)."""

    ADVERTISING = "advertising", _("广告")
    VENUE = "venue", _("场地租金")
    PARKING = "parking", _("停车位租金")
    FACILITIES = "facilities", _("快递柜/充电桩")
    OTHER = "other", _("其他")


class ExpenseCategory(models.TextChoices):
    """What an expense is charged to: a cost account of the company, or the owners' public
    income (2243). Maintenance-fund spending is a ``FundUse`` (it needs a vote or the emergency
    procedure), never an expense."""

    LABOUR = "6401", _("人工")
    CLEANING = "6402", _("保洁")
    GREENING = "6403", _("绿化")
    SECURITY = "6404", _("秩序维护")
    REPAIRS = "6405", _("设施设备维修养护")
    ENERGY = "6406", _("公共能耗")
    ELEVATOR = "6407", _("电梯运行维护")
    ADMIN = "6602", _("管理费用")
    PUBLIC_INCOME = "2243", _("从公共收益列支")


class MoneyMethod(models.TextChoices):
    """Where public money arrives or leaves: the bank account or the cash box."""

    BANK = "1002", _("银行存款")
    CASH = "1001", _("库存现金")


class ExpenseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已审批")
    POSTED = "posted", _("已支付入账")
    REJECTED = "rejected", _("已驳回")


class ExpenseAction(models.TextChoices):
    CREATED = "created", _("创建")
    SUBMITTED = "submitted", _("提交审批")
    APPROVED = "approved", _("审批同意")
    REJECTED = "rejected", _("驳回")
    POSTED = "posted", _("支付入账")


class ApproverSide(models.TextChoices):
    """The two sides whose approval an expense (or an emergency fund use) may need."""

    MANAGER = "manager", _("项目经理")
    COMMITTEE = "committee", _("业委会委员")


class FundDepositKind(models.TextChoices):
    INITIAL = "initial", _("首期归集（面积 × 标准）")
    DEPOSIT = "deposit", _("续筹/补交")


class FundBasis(models.TextChoices):
    VOTE = "vote", _("业主表决通过")
    EMERGENCY = "emergency", _("应急使用")


class FundUseStatus(models.TextChoices):
    PENDING = "pending", _("待审批（应急）")
    POSTED = "posted", _("已列支")


class FundScope(models.TextChoices):
    COMMUNITY = "community", _("全体业主")
    BUILDING = "building", _("指定楼栋")
    UNITS = "units", _("指定房屋")


# --- charges: waivers (减免) and meter-reading imports ---------------------------------------------


class WaiverTarget(models.TextChoices):
    BILL = "bill", _("账单欠费")
    LATE_FEE = "late_fee", _("滞纳金")


class WaiverStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class WaiverReason(models.TextChoices):
    HARDSHIP = "hardship", _("困难家庭")
    SERVICE = "service", _("服务未达约定")
    BILLING_ERROR = "billing_error", _("计费差错")
    VACANCY = "vacancy", _("空置或未交付")
    PROMOTION = "promotion", _("优惠活动")
    OTHER = "other", _("其他")


class ImportStatus(models.TextChoices):
    STAGED = "staged", _("待确认")
    COMMITTED = "committed", _("已导入")
    DISCARDED = "discarded", _("已放弃")


# --- arrears (催缴) ------------------------------------------------------------------------------


class ReminderChannel(models.TextChoices):
    """How a reminder reaches the household: always the inbox, plus SMS or e-mail if chosen
    (sent through ``sunlit.notices``' channels)."""

    INBOX = "inbox", _("站内通知")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class ReminderTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("按规则自动")
    MANUAL = "manual", _("人工催缴")
