"""How an installation proves who it is: one secret per installation id, a verifier key, a proof per batch. Pure.

At opt-in (and with every new id) the client draws a random secret; it never leaves the machine. The
verifier key is derived from it one way (HMAC-SHA256 of a fixed label) and travels in the installation's
batches only until the receiver has one (trust on first use); the receiver keeps it. Every batch, the
deletion request included, carries ``proof = HMAC-SHA256(verifier key, batch id)``: it binds the batch id,
so a proof seen on the wire is worth only that batch (which the receiver then already holds).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from printernizer_stats.registry.names import ResourceField

PROOF = ResourceField.PROOF
VERIFIER = ResourceField.VERIFIER
SECRET_BYTES = 32
_VERIFIER_LABEL = b"printernizer-stats verifier v1"


def new_secret() -> str:
    """A fresh installation secret (hex), for a new installation id."""
    return secrets.token_hex(SECRET_BYTES)


def verifier_for(secret: str) -> str:
    """The verifier key of ``secret`` (hex): derived one way, so it does not give the secret away."""
    return hmac.new(bytes.fromhex(secret), _VERIFIER_LABEL, hashlib.sha256).hexdigest()


def proof_for(verifier: str, batch_id: str) -> str:
    """The proof a batch carries: HMAC-SHA256 of its batch id under the verifier key (hex)."""
    return hmac.new(bytes.fromhex(verifier), batch_id.encode("ascii"), hashlib.sha256).hexdigest()


def proves(verifier: str, batch_id: str, proof: str) -> bool:
    """Whether ``proof`` is the batch's proof under ``verifier`` (constant time)."""
    try:
        expected = proof_for(verifier, batch_id)
    except ValueError:
        return False
    return hmac.compare_digest(expected, proof)
