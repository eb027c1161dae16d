"""The password-policy response control (draft-behera-ldap-password-policy, OpenLDAP's ppolicy
overlay): the directory says *why* it refused a password (too short, in history…), where the
result's text only says "fails quality checking policy". ldap3 sends the control and hands its
value back undecoded; this is its ASN.1 shape, as python-ldap's `ldap.controls.ppolicy` has it."""

from pyasn1.codec.ber import decoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import namedtype, tag, univ

PPOLICY_OID = "1.3.6.1.4.1.42.2.27.8.5.1"
REQUEST = (PPOLICY_OID, False, None)

INSUFFICIENT_QUALITY = 5
TOO_SHORT = 6
TOO_YOUNG = 7
IN_HISTORY = 8


class _Warning(univ.Choice):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType(
            "timeBeforeExpiration",
            univ.Integer().subtype(
                implicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatSimple, 0)
            ),
        ),
        namedtype.NamedType(
            "graceAuthNsRemaining",
            univ.Integer().subtype(
                implicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatSimple, 1)
            ),
        ),
    )


class _Response(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.OptionalNamedType(
            "warning",
            _Warning().subtype(
                explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0)
            ),
        ),
        namedtype.OptionalNamedType(
            "error",
            univ.Enumerated().subtype(
                implicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatSimple, 1)
            ),
        ),
    )


def ppolicy_error(result: dict) -> int | None:
    """The policy's error code in an LDAP result, or None when the server sent none."""
    control = (result.get("controls") or {}).get(PPOLICY_OID)
    if not control or not control.get("value"):
        return None
    try:
        decoded, _rest = decoder.decode(control["value"], asn1Spec=_Response())
    except PyAsn1Error:
        return None
    error = decoded.getComponentByName("error")
    return int(error) if error.isValue else None
