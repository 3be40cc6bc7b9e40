"""magic-pocket runtime: the code that runs inside a Lambda image deployed by `pocket`.

Everything it needs arrives as environment variables set by the deploy (see
docs/runtime-contract.md in the repository); locally it reads `pocket.toml` and `.env`.
"""

from pocket.errors import PocketRuntimeError

__all__ = ["PocketRuntimeError"]
__version__ = "0.1.0"
