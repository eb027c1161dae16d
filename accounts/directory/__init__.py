"""A tenant's identity store (DESIGN.md §7b): the portal's own database, or the school network's
LDAP directory, to which every password the portal sets is written first."""
