from django.contrib import admin

from sunlit.notices.models import Delivery, Notification, NotificationPreference


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ("channel", "status", "attempts", "provider", "address", "error", "sent_at",
                       "payload")
    exclude = ("community",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "community", "kind", "created_at", "read_at")
    list_filter = ("community", "kind")
    search_fields = ("title",)
    raw_id_fields = ("recipient",)
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("notification", "channel", "status", "attempts", "provider", "address", "sent_at")
    list_filter = ("community", "channel", "status")
    raw_id_fields = ("notification",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "sms", "wechat")
    raw_id_fields = ("user",)
