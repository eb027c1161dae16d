"""factory_boy factories for the standing cast (DESIGN.md §1)."""

import factory

from accounts.models import GuardianLink, User
from tenants.models import School, Tenant, TenantHost

PASSWORD = "Cartable-Test-1"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"tenant{n}")
    name = factory.LazyAttribute(lambda t: f"Réseau {t.slug}")
    display_name = factory.LazyAttribute(lambda t: f"Réseau {t.slug.upper()}")
    support_text = "Contactez votre pouvoir organisateur."
    payments = True

    @factory.post_generation
    def host(self, create, extracted, **kwargs):
        if create:
            TenantHost.objects.get_or_create(
                host=extracted or f"{self.slug}.localhost",
                defaults={"tenant": self, "is_primary": True},
            )


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"École {n}")
    code = factory.Sequence(lambda n: f"SCH{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    identifier = factory.Sequence(lambda n: f"person{n}")
    first_name = "Prénom"
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    email = factory.LazyAttribute(lambda u: f"{u.identifier}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def schools(self, create, extracted, **kwargs):
        if create and extracted:
            self.schools.set(extracted)
        if create:
            self.save()


def link_guardian(parent: User, child: User, *, is_paying: bool = True) -> GuardianLink:
    return GuardianLink.objects.create(
        tenant=parent.tenant, parent=parent, child=child, is_paying=is_paying
    )
