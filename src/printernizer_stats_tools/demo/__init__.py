"""The end-to-end demo (``./dev demo``): simulated installations send through a collector to a receiver, and
the maintainers' figures are read back. ``printernizer-stats demo`` runs :mod:`.command` from a clone."""
