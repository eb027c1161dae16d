"""A tenant is a school network (organising authority, academy, school board) on its own hosts."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.scoping import tenant_scoped_manager

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Couleur au format #RRGGBB."))


class PasswordRules(models.TextChoices):
    BASIC = "basic", _("Longueur seule (8 caractères au moins)")
    CREOS = "creos", _("Un chiffre, une majuscule et un caractère spécial")
    M365 = "m365", _("Trois des quatre types de caractères, sans le nom")


class MethodsRegistration(models.TextChoices):
    """Whether people are asked, after logging in, to register their recovery methods."""

    OFF = "off", _("Non")
    ASK = "ask", _("Demander (la personne peut remettre à plus tard)")
    REQUIRE = "require", _("Exiger")


class Voice(models.TextChoices):
    """How the portal's French pages speak to the tenant's people (ISSUE 13: one voice each)."""

    TU = "tu", _("tutoiement (« tu »)")
    VOUS = "vous", _("vouvoiement (« vous »)")


class PasskeyPolicy(models.TextChoices):
    OFF = "off", _("Désactivées")
    ALLOWED = "allowed", _("Permises")
    STAFF_REQUIRED = "staff_required", _("Exigées pour le personnel")


class Tenant(models.Model):
    slug = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("nom"), max_length=200)
    display_name = models.CharField(_("nom affiché"), max_length=200)
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)
    primary_colour = models.CharField(
        _("couleur principale"), max_length=7, default="#1f5aa6", validators=[hex_colour]
    )
    support_text = models.TextField(
        _("texte d'aide"),
        blank=True,
        help_text=_("Affiché sous les formulaires : à qui s'adresser en cas de problème."),
    )
    support_text_en = models.TextField(
        _("texte d'aide en anglais"),
        blank=True,
        help_text=_("Le même texte pour les pages affichées en anglais (sinon le texte français)."),
    )
    voice = models.CharField(
        _("façon de s'adresser aux gens"),
        max_length=4,
        choices=Voice.choices,
        default=Voice.VOUS,
        help_text=_(
            "« tu » pour un portail d'élèves, « vous » ailleurs : une seule voix par réseau."
        ),
    )
    default_language = models.CharField(
        _("langue par défaut"),
        max_length=5,
        choices=[("fr", "Français"), ("en", "English")],
        default="fr",
    )
    is_active = models.BooleanField(_("actif"), default=True)

    # Features this network uses (DESIGN.md §1).
    identifier_reset = models.BooleanField(
        _("réinitialisation par identifiant ou e-mail"), default=True
    )
    two_step_reset = models.BooleanField(
        _("vérification en deux étapes (SMS, e-mail)"), default=False
    )
    student_mailbox_reset = models.BooleanField(
        _("réinitialisation élève par boîte scolaire"), default=False
    )
    numen_lookup = models.BooleanField(_("identifiant retrouvé par NUMEN"), default=False)
    numen_initial_login = models.BooleanField(
        _("première connexion avec le NUMEN en majuscules"),
        default=False,
        help_text=_("Une seule fois, puis un nouveau mot de passe est exigé aussitôt."),
    )
    two_step_methods_required = models.PositiveSmallIntegerField(
        _("méthodes de vérification exigées"),
        choices=[(1, "1"), (2, "2")],
        default=2,
    )
    # Registration of the recovery methods after login (issue 13), as Microsoft Entra's
    # "require users to register when signing in" and its re-confirmation.
    methods_registration = models.CharField(
        _("demande d'enregistrement des méthodes de récupération"),
        max_length=10,
        choices=MethodsRegistration.choices,
        default=MethodsRegistration.OFF,
        help_text=_(
            "Après la connexion, une page demande un téléphone et une adresse secondaire à "
            "qui n'en a pas assez. Sert seulement avec la vérification en deux étapes ; "
            "les élèves ne sont pas concernés."
        ),
    )
    methods_registration_skips = models.PositiveSmallIntegerField(
        _("reports permis"),
        default=3,
        validators=[MaxValueValidator(20)],
        help_text=_(
            "Sous « Demander » : combien de fois une personne peut remettre à plus tard "
            "avant que l'enregistrement soit exigé."
        ),
    )
    methods_reconfirm_days = models.PositiveSmallIntegerField(
        _("reconfirmation des méthodes (jours)"),
        default=180,
        validators=[MaxValueValidator(730)],
        help_text=_(
            "Après ce nombre de jours, la personne confirme que ses méthodes sont toujours "
            "les siennes. 0 : jamais."
        ),
    )
    phone_region = models.CharField(
        _("pays des numéros de téléphone"),
        max_length=2,
        default="BE",
        help_text=_("Code ISO du pays, pour les numéros tapés sans indicatif (BE, FR, CA…)."),
    )
    student_reset_delay_seconds = models.PositiveIntegerField(
        _("délai d'envoi du mot de passe provisoire (secondes)"),
        default=120,
        validators=[MaxValueValidator(600)],
    )
    payments = models.BooleanField(_("paiements des parents"), default=False)

    # Password policy (DESIGN.md §3): length 8..256, the tenant may raise the minimum.
    password_min_length = models.PositiveSmallIntegerField(
        _("longueur minimale du mot de passe"),
        default=8,
        validators=[MinValueValidator(8), MaxValueValidator(64)],
    )
    password_rules = models.CharField(
        _("règles du mot de passe"),
        max_length=10,
        choices=PasswordRules.choices,
        default=PasswordRules.BASIC,
    )

    # Account activation (ISSUE 6): letters with a one-time code, student self-activation.
    activation_days = models.PositiveSmallIntegerField(
        _("validité d'un code d'activation (jours)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    student_self_activation = models.BooleanField(
        _("activation par l'élève (numéro d'élève et boîte scolaire)"), default=False
    )

    # Passkeys (WebAuthn, ISSUE 14): off, allowed, or required for staff (admin access).
    passkeys = models.CharField(
        _("clés d'accès"),
        max_length=16,
        choices=PasskeyPolicy.choices,
        default=PasskeyPolicy.ALLOWED,
    )

    # Top-ups of the parents' wallets.
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    creditor_name = models.CharField(_("bénéficiaire des virements"), max_length=70, blank=True)

    class Meta:
        verbose_name = _("réseau scolaire")
        verbose_name_plural = _("réseaux scolaires")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(password_min_length__gte=8, password_min_length__lte=64),
                name="tenant_password_min_length_range",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.name

    def clean(self) -> None:
        """The IBAN printed in every QR code and top-up sheet: checked (schwifty), kept compact.
        Asking people for recovery methods only makes sense with the two-step reset."""
        super().clean()
        if self.methods_registration != MethodsRegistration.OFF and not self.two_step_reset:
            raise ValidationError(
                {
                    "methods_registration": _(
                        "Activez la vérification en deux étapes : sans elle, les méthodes "
                        "de récupération ne servent à rien."
                    )
                }
            )
        if self.iban:
            from schwifty import IBAN
            from schwifty.exceptions import SchwiftyException

            try:
                self.iban = IBAN(self.iban).compact
            except SchwiftyException as exc:
                raise ValidationError(
                    {"iban": _("IBAN invalide (%(reason)s).") % {"reason": exc}}
                ) from exc

    def support_text_in(self, language: str | None) -> tuple[str, str]:
        """The footer's help line in this language if the tenant wrote one, else in French;
        with the language it is in (for the `lang` attribute)."""
        if (language or "").startswith("en") and self.support_text_en.strip():
            return self.support_text_en, "en"
        return self.support_text, "fr"

    @property
    def support_text_current(self) -> tuple[str, str]:
        """`support_text_in` for the language of the page being rendered."""
        from django.utils.translation import get_language

        return self.support_text_in(get_language())

    @property
    def primary_host(self) -> str:
        host = next((h.host for h in self.hosts.all() if h.is_primary), None)
        return host or self.hosts.values_list("host", flat=True).first() or ""


class TenantHost(models.Model):
    """A host name that reaches a tenant; the primary one is used to build links in mails."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="hosts")
    host = models.CharField(_("nom d'hôte"), max_length=253, unique=True)
    is_primary = models.BooleanField(_("principal"), default=False)

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("nom d'hôte")
        verbose_name_plural = _("noms d'hôte")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(is_primary=True),
                name="tenant_one_primary_host",
            )
        ]

    def __str__(self) -> str:
        return self.host

    def save(self, *args, **kwargs) -> None:
        self.host = self.host.strip().lower()
        super().save(*args, **kwargs)


class School(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="schools")
    name = models.CharField(_("nom"), max_length=200)
    code = models.CharField(_("code"), max_length=30, blank=True)
    mail_domain = models.CharField(
        _("domaine de messagerie scolaire"),
        max_length=253,
        blank=True,
        help_text=_(
            "Domaine des adresses des élèves (boîte scolaire), par exemple eleves.sepne.ca"
        ),
    )

    objects = tenant_scoped_manager()

    class Meta:
        verbose_name = _("école")
        verbose_name_plural = _("écoles")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "code"], condition=~models.Q(code=""), name="school_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name
