"""Reads of the help desk (`access`, `search`, `card`, `stats`, `attention`), always through
`people_visible_to`: a secretary finds and opens only the people of her tenant and her schools;
nothing here ever returns a secret."""
