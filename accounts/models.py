"""People of a tenant: one user model for parents, students, staff and secretaries."""

from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.jobs import JobStatus
from tenants.models import School, Tenant
from tenants.scoping import TenantScopedManager, scoped_manager_class, tenant_scoped_manager


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, identifier: str | None) -> "User":
        # Natural keys are only used for platform accounts (createsuperuser); tenant users are
        # always looked up together with their tenant.
        return self.get(tenant__isnull=True, identifier__lower_exact=identifier)

    def create_user(self, identifier: str, password: str | None = None, **fields: object) -> "User":
        user = self.model(identifier=identifier, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, identifier: str, password: str | None = None, **fields: object
    ) -> "User":
        fields.setdefault("is_superuser", True)
        return self.create_user(identifier, password, tenant=None, **fields)

    def visible_to(self, *, viewer: "User", tenant: Tenant | None) -> "models.QuerySet[User]":
        """People a member of the admin may see at this host (`people_visible_to`). Apps below
        accounts (the outbox's admin) reach it through `get_user_model()`, without importing
        accounts.

        A platform superuser on the platform host sees everyone; a tenant administrator her
        whole tenant; a secretary the people of her schools and the guardians of their students.
        """
        condition = self.visible_condition(viewer=viewer, tenant=tenant, key="pk")
        if condition is None:
            return self.none()
        return self.filter(condition)

    def visible_condition(
        self, *, viewer: "User", tenant: Tenant | None, key: str, unowned: bool = False
    ) -> models.Q | None:
        """The rule of `visible_to` as a condition on `key`, a column that holds a person's id
        ("pk" here, "user" on a log's rows): None when the viewer sees nobody, an empty Q when
        she sees the whole tenant. With `unowned`, rows whose `key` is empty (a message or a
        help request of no account) are visible to every member of the admin too.

        A log filtered with it checks the link tables directly: `user IN (SELECT id FROM users
        WHERE id IN (…) OR …)` read the whole users table first (half the time of a log page).
        """
        condition = self._visible_people(viewer=viewer, tenant=tenant, key=key)
        if not unowned or condition == models.Q():  # `Q(…) | Q()` would be `Q(…)` alone
            return condition
        no_owner = models.Q(**{f"{key}__isnull": True})
        return no_owner if condition is None else no_owner | condition

    def _visible_people(
        self, *, viewer: "User", tenant: Tenant | None, key: str
    ) -> models.Q | None:
        if viewer.is_superuser and tenant is None:
            return models.Q()
        if tenant is None or viewer.tenant_id != tenant.id:
            return None
        if viewer.is_superuser or viewer.is_tenant_admin:
            return models.Q()  # the rows of the host's tenant (tenants.scoping)
        if not viewer.is_secretary:
            return None
        # Semi-joins on the link tables, not joins: no row comes out twice, so no DISTINCT over
        # every column (which made the persons list sort the whole tenant).
        school_ids = list(viewer.schools.values_list("id", flat=True))
        members = self.model.schools.through.objects.filter(school_id__in=school_ids)
        guardians = GuardianLink.objects.filter(child_id__in=members.values("user_id"))
        return (
            models.Q(**{f"{key}__in": members.values("user_id")})
            | models.Q(**{f"{key}__in": guardians.values("parent_id")})
            | models.Q(**{key: viewer.pk})
        )


# The manager `User.objects` is: UserManager, scoped to the active tenant (tenants.scoping).
if TYPE_CHECKING:

    class TenantScopedUserManager(UserManager, TenantScopedManager["User"]): ...

else:

    class TenantScopedUserManager(scoped_manager_class(UserManager)):
        # Migrations read and write across tenants: their historical User keeps a plain manager.
        use_in_migrations = False


class User(AbstractBaseUser, PermissionsMixin):
    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text=_("Vide seulement pour les administrateurs de la plateforme."),
    )
    identifier = models.CharField(
        _("identifiant"),
        max_length=150,
        help_text=_("Unique dans le réseau, sans tenir compte des majuscules."),
    )
    email = models.EmailField(_("adresse e-mail"), blank=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)

    is_parent = models.BooleanField(_("parent"), default=False)
    is_student = models.BooleanField(_("élève"), default=False)
    is_school_staff = models.BooleanField(_("membre du personnel"), default=False)
    is_secretary = models.BooleanField(_("secrétariat"), default=False)
    is_tenant_admin = models.BooleanField(_("administrateur du réseau"), default=False)

    schools = models.ManyToManyField(
        School, verbose_name=_("écoles"), related_name="members", blank=True
    )
    children: "models.ManyToManyField[User, GuardianLink]" = models.ManyToManyField(
        "self",
        through="GuardianLink",
        symmetrical=False,
        related_name="guardians",
        verbose_name=_("enfants"),
        blank=True,
    )

    is_active = models.BooleanField(_("actif"), default=True)
    is_migrated = models.BooleanField(
        _("migré"),
        default=True,
        help_text=_(
            "Un compte importé d'un ancien système reste non migré jusqu'à ce que le secrétariat "
            "le migre : aucune réinitialisation ne lui est envoyée avant."
        ),
    )
    must_change_password = models.BooleanField(
        _("doit changer son mot de passe"),
        default=False,
        help_text=_("Après une connexion avec un mot de passe provisoire ou le NUMEN."),
    )
    # Académie-style staff number: a secret, stored only as a keyed hash (DESIGN.md §4).
    numen_hash = models.CharField(_("NUMEN (empreinte)"), max_length=64, blank=True, editable=False)
    student_number = models.CharField(
        _("numéro d'élève"), max_length=10, blank=True, help_text=_("10 chiffres.")
    )
    # Free text as schools write it ("3A", "6e B"): invitations to pay go to a whole class.
    classroom = models.CharField(
        _("classe"),
        max_length=30,
        blank=True,
        help_text=_("Pour un élève : sa classe cette année, par exemple « 3A »."),
    )
    school_email = models.EmailField(
        _("adresse de la boîte scolaire"),
        blank=True,
        help_text=_("La boîte de messagerie que l'école a créée pour l'élève."),
    )
    # Registration of recovery methods after login (recovery.registration): how many times this
    # person put it off, and when she last registered or confirmed her methods.
    methods_prompt_skips = models.PositiveSmallIntegerField(
        _("enregistrement des méthodes remis à plus tard"), default=0, editable=False
    )
    methods_confirmed_at = models.DateTimeField(
        _("méthodes de récupération confirmées le"), null=True, blank=True, editable=False
    )
    legacy_id = models.CharField(_("identifiant dans l'ancien système"), max_length=100, blank=True)
    # Mails and SMS go out in this language (outbox.services.message_language); empty: the
    # tenant's default. Set when the person picks a language on the portal.
    preferred_language = models.CharField(
        _("langue préférée"),
        max_length=5,
        blank=True,
        choices=[("fr", "Français"), ("en", "English")],
        help_text=_("La langue des e-mails et SMS ; vide : celle du réseau."),
    )
    migrated_at = models.DateTimeField(_("migré le"), null=True, blank=True)
    date_joined = models.DateTimeField(_("créé le"), default=timezone.now)

    objects = TenantScopedUserManager()

    USERNAME_FIELD = "identifier"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("personne")
        verbose_name_plural = _("personnes")
        ordering = ["last_name", "first_name", "identifier"]
        constraints = [
            models.UniqueConstraint(
                "tenant", Lower("identifier"), name="user_identifier_unique_per_tenant"
            ),
            models.UniqueConstraint(
                Lower("identifier"),
                condition=models.Q(tenant__isnull=True),
                name="user_identifier_unique_platform",
            ),
            models.CheckConstraint(
                condition=models.Q(tenant__isnull=False) | models.Q(is_superuser=True),
                name="user_without_tenant_is_superuser",
            ),
            models.UniqueConstraint(
                fields=["tenant", "student_number"],
                condition=~models.Q(student_number=""),
                name="user_student_number_unique_per_tenant",
            ),
            models.CheckConstraint(
                condition=models.Q(student_number="")
                | models.Q(student_number__regex=r"^[0-9]{10}$"),
                name="user_student_number_ten_digits",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "last_name", "first_name", "identifier"],
                name="user_tenant_name_idx",
            ),
            models.Index(fields=["tenant", "numen_hash"], name="user_numen_idx"),
            # Reset and two-step lookups by address (`__lower_exact`, portal.lookups); login by
            # identifier uses the unique constraint's `lower(identifier)` index.
            models.Index(F("tenant"), Lower("email"), name="user_email_lower_idx"),
            models.Index(F("tenant"), Lower("school_email"), name="user_school_email_lower_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.identifier

    @property
    def full_name(self) -> str:
        """'Dubois Jacqueline', the order the seeds' tables use."""
        return f"{self.last_name} {self.first_name}".strip()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.identifier

    def get_short_name(self) -> str:
        return self.first_name or self.identifier

    @property
    def is_staff(self) -> bool:
        """Admin access: secretaries, tenant administrators and platform superusers."""
        return self.is_active and (self.is_secretary or self.is_tenant_admin or self.is_superuser)

    @property
    def rights_rank(self) -> int:
        """How much this person may do in the admin, to compare two people: 0 no admin access
        (parents, students, teachers), 1 secretariat, 2 network administrator, 3 platform
        superuser. Staff manage only people of a lower rank (accounts.selectors)."""
        if self.is_superuser:
            return 3
        if self.is_tenant_admin:
            return 2
        return 1 if self.is_secretary else 0

    # Only the platform's superusers have no tenant (a database constraint); the flows of a
    # tenant's member (recovery, activation, payments) read her tenant through these.
    @property
    def member_tenant(self) -> Tenant:
        if self.tenant is None:
            raise ValueError("a platform account belongs to no tenant")
        return self.tenant

    @property
    def member_tenant_id(self) -> int:
        if self.tenant_id is None:
            raise ValueError("a platform account belongs to no tenant")
        return self.tenant_id

    @property
    def role_labels(self) -> list[str]:
        flags = [
            (self.is_parent, _("parent")),
            (self.is_student, _("élève")),
            (self.is_school_staff, _("personnel")),
            (self.is_secretary, _("secrétariat")),
            (self.is_tenant_admin, _("administrateur du réseau")),
        ]
        return [str(label) for on, label in flags if on]

    def clean(self) -> None:
        super().clean()
        self.identifier = self.identifier.strip()
        self.email = self.__class__.objects.normalize_email(self.email.strip())


class GuardianLink(models.Model):
    """A parent's link to a child; the paying guardian is the debtor of invitations."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="child_links")
    child = models.ForeignKey(User, on_delete=models.CASCADE, related_name="guardian_links")
    is_paying = models.BooleanField(_("payeur"), default=True)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("lien parent-enfant")
        verbose_name_plural = _("liens parent-enfant")
        constraints = [
            models.UniqueConstraint(fields=["parent", "child"], name="guardian_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("child")), name="guardian_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent} → {self.child}"


class ActivationCode(models.Model):
    """A one-time code that lets a person without a password choose one (ISSUE 6). Issued and
    checked by recovery.activation; the table stays in accounts, where it was created.

    Only an HMAC of the code is stored (the code is a 59-bit random secret, so a keyed hash is
    enough); it dies once used, once expired, or once a newer code replaces it.
    """

    class Channel(models.TextChoices):
        LETTER = "letter", _("lettre")
        MAIL = "mail", _("e-mail")
        OTHER = "other", _("autre")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="activation_codes", verbose_name=_("compte")
    )
    code_hash = models.CharField(max_length=64, editable=False)
    channel = models.CharField(
        _("remis par"), max_length=10, choices=Channel.choices, default=Channel.OTHER
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    used_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)
    used_ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("remplacé le"), null=True, blank=True)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("code d'activation")
        verbose_name_plural = _("codes d'activation")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "used_at", "revoked_at"], name="activation_live_idx")
        ]

    def __str__(self) -> str:
        return f"activation code for user {self.user_id}"


class LetterBatch(models.Model):
    """A large print run of activation letters, rendered by a Celery job (progress in the admin,
    portal.jobs)."""

    Status = JobStatus

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    people = models.JSONField(_("personnes"), default=list, editable=False)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("lettres"), default=0)
    done = models.PositiveIntegerField(_("lettres prêtes"), default=0)
    file = models.FileField(_("fichier"), upload_to="letters/", blank=True, editable=False)
    error = models.CharField(_("erreur"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("lot de lettres d'activation")
        verbose_name_plural = _("lots de lettres d'activation")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        when = f"{timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"
        label = ngettext("%(n)d lettre du %(date)s", "%(n)d lettres du %(date)s", self.total)
        return label % {"n": self.total, "date": when}


class EmailChange(models.Model):
    """A change of a staff member's or administrator's e-mail, waiting for the owner of the old
    address to confirm it (DESIGN.md §3: otherwise whoever edits the address can send herself a
    reset link). Only a SHA-256 of the 256-bit secret is stored; it is single use, expires, and
    dies when a newer change is asked or the address changed in between."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="email_changes", verbose_name=_("compte")
    )
    old_email = models.EmailField(_("ancienne adresse"))
    new_email = models.EmailField(_("nouvelle adresse"))
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    requested_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    used_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("annulé le"), null=True, blank=True)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("changement d'adresse e-mail")
        verbose_name_plural = _("changements d'adresse e-mail")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "used_at", "revoked_at"], name="emailchange_live_idx")
        ]

    def __str__(self) -> str:
        return f"e-mail change for user {self.user_id}"


# A tenant's identity store lives with the directory's code (accounts/directory/).
from accounts.directory.models import DirectoryEntry, IdentityStore  # noqa: E402, F401
