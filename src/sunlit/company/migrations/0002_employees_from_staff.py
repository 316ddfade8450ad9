"""Every account that serves a community (a staff role) becomes an employee of that community's
company, so that the company's staff pages reach the people it already had."""

from django.db import migrations

STAFF_ROLES = ("service", "dispatcher", "manager", "technician", "finance", "company_admin")


def employees_from_staff(apps, schema_editor):
    Membership = apps.get_model("core", "Membership")
    Employee = apps.get_model("company", "Employee")
    taken = set(Employee.objects.values_list("organization_id", "job_number"))
    have = set(Employee.objects.values_list("organization_id", "user_id"))
    rows = (Membership.objects.filter(role__in=STAFF_ROLES)
            .values_list("user_id", "community__organization_id", "job_number", "role",
                         "is_active", "created_at")
            .order_by("pk"))
    for user_id, organization_id, job_number, role, active, created_at in rows:
        if (organization_id, user_id) in have:
            continue
        number = job_number or f"U{user_id}"
        if (organization_id, number) in taken:
            number = f"U{user_id}"
        Employee.objects.create(organization_id=organization_id, user_id=user_id,
                                job_number=number, is_admin=role == "company_admin",
                                hired_at=created_at)
        have.add((organization_id, user_id))
        taken.add((organization_id, number))


class Migration(migrations.Migration):
    dependencies = [
        ("company", "0001_initial"),
        ("core", "0007_activationcode_role"),
    ]

    operations = [migrations.RunPython(employees_from_staff, migrations.RunPython.noop)]
