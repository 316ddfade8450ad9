from django.contrib import admin

from sunlit.registry.models import Building, Unit


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "floors", "has_elevator")
    list_filter = ("community",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("label", "community", "floor", "area", "usage", "delivery_status")
    list_filter = ("community", "usage", "delivery_status")
    list_select_related = ("building",)
